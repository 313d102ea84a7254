#include "probe/observer.h"

#include <fmt/format.h>

#include "util/text.h"

namespace stackdr {

const SourceRecord* Observation::source(std::string_view host, std::string_view prefix) const {
  for (const auto& s : sources)
    if (s.host == host && text::starts_with(s.source, prefix)) return &s;
  return nullptr;
}

namespace probe_argv {
Argv zpool_status(const std::string& pool) {
  return {"zpool", "status", "-v", pool};
}
Argv zfs_get_volumes(const std::vector<std::string>& zvols) {
  Argv a{"zfs", "get", "-Hp", "-o", "name,property,value,source", "volmode,volsize"};
  a.insert(a.end(), zvols.begin(), zvols.end());
  return a;
}
Argv targetcli_ls() {
  return {"targetcli", "ls"};
}
Argv ss_listen() {
  return {"ss", "-Htln"};
}
Argv mdadm_detail(const std::string& device) {
  return {"mdadm", "--detail", device};
}
Argv mdadm_examine(const std::string& device) {
  return {"mdadm", "--examine", device};
}
Argv iscsiadm_sessions() {
  return {"iscsiadm", "-m", "session", "-P", "3"};
}
Argv ls_by_path() {
  return {"ls", "-l", "/dev/disk/by-path"};
}
Argv lsblk() {
  return {"lsblk", "-J", "-o", "NAME,SIZE,TYPE,MOUNTPOINT,SERIAL,WWN"};
}
Argv virsh_list() {
  return {"virsh", "list", "--all"};
}
Argv virsh_domblklist(const std::string& domain) {
  return {"virsh", "domblklist", domain};
}
Argv ping(const std::string& address) {
  return {"ping", "-c", "1", "-W", "1", address};
}
Argv dmesg() {
  return {"dmesg"};
}
Argv smartctl(const std::string& disk) {
  return {"smartctl", "-j", "-H", "-A", "/dev/disk/by-id/" + disk};
}
Argv ls_zvols(const std::string& pool) {
  return {"ls", "-l", "/dev/zvol/" + pool};
}
}  // namespace probe_argv

namespace {

// Runs probes on one host and records each outcome in the observation.
class Prober {
 public:
  Prober(Host* host, std::string host_name, Observation& obs)
      : host_(host), name_(std::move(host_name)), obs_(obs) {}

  // Runs argv; returns stdout when the command ran (any exit status accepted by `ok_rc`).
  std::optional<CommandResult> run(const Argv& argv, std::chrono::milliseconds timeout,
                                   std::initializer_list<int> ok_rc = {0}) {
    std::string what = describe_argv(argv);
    if (!host_) {
      record(what, false, "no way to reach this host (see hosts: in the topology)");
      return std::nullopt;
    }
    CommandResult r = host_->run(argv, timeout);
    if (!r.started) {
      record(what, false, r.err.empty() ? "could not start" : std::string(text::trim(r.err)));
      return std::nullopt;
    }
    if (r.timed_out) {
      record(what, false, fmt::format("timed out after {} ms", timeout.count()));
      return std::nullopt;
    }
    bool accepted = std::find(ok_rc.begin(), ok_rc.end(), r.exit_code) != ok_rc.end();
    record(what, accepted, accepted ? "" : fmt::format("exit {}: {}", r.exit_code, text::trim(r.err)));
    return r;
  }

  std::optional<std::string> read(const std::string& path) {
    if (!host_) {
      record(path, false, "no way to reach this host");
      return std::nullopt;
    }
    auto r = host_->read_file(path);
    record(path, r.ok(), r.ok() ? "" : r.error().message);
    if (!r) return std::nullopt;
    return *r;
  }

  // Parses and records a parse failure against the source.
  template <typename T>
  std::optional<T> parsed(Result<T> r, const std::string& what) {
    if (r.ok()) return std::move(*r);
    record(what, false, r.error().message);
    return std::nullopt;
  }

  const std::string& name() const { return name_; }

 private:
  void record(const std::string& what, bool ok, const std::string& err) {
    obs_.sources.push_back({name_, what, ok, err});
  }

  Host* host_;
  std::string name_;
  Observation& obs_;
};

void observe_storage(const Topology& t, Prober& p, StorageFacts& f, const ObserveOptions& opt) {
  f.host = p.name();
  if (!t.storage.pool.empty()) {
    if (auto r = p.run(probe_argv::zpool_status(t.storage.pool), opt.timeout))
      f.zpool = p.parsed(parse_zpool_status(r->out, "zpool status"), "zpool status");
    std::vector<std::string> zvols;
    for (const auto& l : t.luns)
      if (!l.zvol.empty()) zvols.push_back(l.zvol);
    if (!zvols.empty()) {
      // A missing dataset makes zfs exit 1 but still print the others.
      if (auto r = p.run(probe_argv::zfs_get_volumes(zvols), opt.timeout, {0, 1}))
        f.zvols = p.parsed(parse_zfs_get(r->out, "zfs get"), "zfs get");
      if (auto r = p.run(probe_argv::ls_zvols(t.storage.pool), opt.timeout, {0, 2}))
        f.zvol_links = p.parsed(parse_disk_links(r->out, "ls -l /dev/zvol"), "ls -l /dev/zvol");
    }
    if (opt.smart) {
      for (const auto& d : t.storage.disks) {
        // smartctl's exit status is a bit mask of findings, not a failure to run.
        if (auto r = p.run(probe_argv::smartctl(d), opt.timeout,
                           {0, 4, 8, 16, 24, 32, 64, 72, 80, 88, 96, 128, 192}))
          if (auto s = p.parsed(parse_smartctl_json(r->out, "smartctl " + d), "smartctl " + d))
            f.smart[d] = *s;
      }
    }
  }
  if (auto r = p.run(probe_argv::targetcli_ls(), opt.timeout))
    f.lio = p.parsed(parse_targetcli_ls(r->out, "targetcli ls"), "targetcli ls");
  if (auto r = p.run(probe_argv::ss_listen(), opt.timeout))
    f.listeners = p.parsed(parse_ss_listeners(r->out, "ss -Htln"), "ss -Htln");
  if (opt.kernel_log)
    if (auto r = p.run(probe_argv::dmesg(), opt.timeout))
      f.kmsg = p.parsed(parse_kernel_log(r->out, "dmesg"), "dmesg");
}

void observe_md_sysfs(Prober& p, const MdstatArray& a, KvmFacts& f) {
  MdSysfsFacts sys;
  sys.array = a.name;
  std::string base = "/sys/block/" + a.name + "/md/";
  if (auto v = p.read(base + "array_state"))
    if (auto st = p.parsed(parse_md_array_state(*v, base + "array_state"), base + "array_state"))
      sys.array_state = *st;
  if (auto v = p.read(base + "degraded")) sys.degraded = static_cast<int>(text::to_int(*v).value_or(0));
  for (const auto& m : a.members) {
    MdSysfsMember* mem = sys.member(m.device);
    std::string dev = base + "dev-" + m.device + "/";
    if (auto v = p.read(dev + "state"))
      if (auto st = p.parsed(parse_md_dev_state(*v, dev + "state"), dev + "state")) mem->state = *st;
    if (auto v = p.read(dev + "errors")) mem->errors = text::to_int(*v);
    if (auto v = p.read(dev + "bad_blocks"))
      if (auto bb = p.parsed(parse_md_bad_blocks(*v, dev + "bad_blocks"), dev + "bad_blocks"))
        mem->bad_blocks = *bb;
  }
  f.md_sysfs[a.name] = sys;
}

void observe_kvm(const Topology& t, Prober& p, KvmFacts& f, const ObserveOptions& opt) {
  f.host = p.name();
  // iSCSI first: the member disks are found through the sessions and by-path links.
  if (auto r = p.run(probe_argv::iscsiadm_sessions(), opt.timeout, {0, 21}))
    f.sessions = p.parsed(parse_iscsiadm_session(r->out, "iscsiadm -m session -P 3", r->err),
                          "iscsiadm -m session -P 3");
  if (auto r = p.run(probe_argv::ls_by_path(), opt.timeout, {0, 2}))
    f.by_path = p.parsed(parse_disk_links(r->out, "ls -l /dev/disk/by-path"), "ls -l /dev/disk/by-path");
  if (auto r = p.run(probe_argv::lsblk(), opt.timeout))
    f.lsblk = p.parsed(parse_lsblk(r->out, "lsblk"), "lsblk");
  for (const auto& portal : t.portals()) {
    std::string ip = portal_ip(portal);
    if (f.pings.count(ip)) continue;
    if (auto r = p.run(probe_argv::ping(ip), opt.timeout, {0, 1, 2})) {
      PingResult& pr = f.pings[ip];
      pr.reachable = r->exit_code == 0;
      for (auto l : text::lines(r->out))
        if (text::contains(l, "packet loss")) pr.summary = std::string(l);
    }
  }
  if (auto v = p.read("/proc/mdstat")) f.mdstat = p.parsed(parse_mdstat(*v), "/proc/mdstat");
  std::map<std::string, const MdstatArray*> arrays;
  if (f.mdstat)
    for (const auto& x : f.mdstat->arrays) arrays[x.name] = &x;
  std::map<std::pair<std::string, int>, std::string> disks;  // (IQN, LUN) → sdX
  if (f.by_path)
    for (const auto& link : f.by_path->links)
      if (auto id = parse_iscsi_path_name(link.name)) disks[{id->iqn, id->lun}] = link.device;
  for (const auto& a : t.arrays) {
    if (a.host != p.name()) continue;
    auto found = arrays.find(a.name);
    const MdstatArray* ma = found == arrays.end() ? nullptr : found->second;
    if (ma) {
      observe_md_sysfs(p, *ma, f);
      if (auto r = p.run(probe_argv::mdadm_detail(a.device), opt.mdadm_timeout))
        if (auto d = p.parsed(parse_mdadm_detail(r->out, "mdadm --detail " + a.device),
                              "mdadm --detail " + a.device))
          f.detail[a.name] = *d;
    }
    // Every member disk that is present gets examined: its superblock says whether it is
    // fresh, stale or gone, whatever the array currently thinks of it.
    for (const auto& mname : a.members) {
      const LunConfig* l = t.lun(mname);
      auto disk = l ? disks.find({l->target, l->lun}) : disks.end();
      if (disk == disks.end()) continue;
      std::string dev = "/dev/" + disk->second;
      if (auto r = p.run(probe_argv::mdadm_examine(dev), opt.mdadm_timeout, {0, 1})) {
        MemberExamine e;
        e.stderr_text = r->err;
        if (r->exit_code == 0)
          e.facts = p.parsed(parse_mdadm_examine(r->out, "mdadm --examine " + dev), "mdadm --examine " + dev);
        else
          e.no_superblock = examine_says_no_superblock(r->err);
        f.examine[disk->second] = e;
      }
    }
  }
  bool has_vms =
      std::any_of(t.vms.begin(), t.vms.end(), [&](const VmConfig& v) { return v.host == p.name(); });
  if (has_vms) {
    if (auto r = p.run(probe_argv::virsh_list(), opt.timeout))
      f.domains = p.parsed(parse_virsh_list(r->out, "virsh list --all"), "virsh list --all");
    for (const auto& v : t.vms) {
      if (v.host != p.name()) continue;
      if (auto r = p.run(probe_argv::virsh_domblklist(v.name), opt.timeout))
        if (auto b = p.parsed(parse_virsh_domblklist(r->out, "virsh domblklist " + v.name),
                              "virsh domblklist " + v.name))
          f.domblklist[v.name] = *b;
    }
  }
  if (opt.kernel_log)
    if (auto r = p.run(probe_argv::dmesg(), opt.timeout))
      f.kmsg = p.parsed(parse_kernel_log(r->out, "dmesg"), "dmesg");
}

void observe_guest(Prober& p, GuestFacts& f, const ObserveOptions& opt) {
  f.host = p.name();
  if (auto v = p.read("/proc/mounts")) f.mounts = p.parsed(parse_mounts(*v), "/proc/mounts");
  if (opt.kernel_log)
    if (auto r = p.run(probe_argv::dmesg(), opt.timeout))
      f.kmsg = p.parsed(parse_kernel_log(r->out, "dmesg"), "dmesg");
}

}  // namespace

Observation observe(const Topology& t, const HostLookup& hosts, const ObserveOptions& opt) {
  Observation obs;
  {
    Prober p(hosts(t.storage.host), t.storage.host, obs);
    observe_storage(t, p, obs.storage, opt);
  }
  for (const auto& h : t.kvm_hosts()) {
    Prober p(hosts(h), h, obs);
    observe_kvm(t, p, obs.kvm[h], opt);
  }
  for (const auto& v : t.vms) {
    if (v.guest.empty() || obs.guests.count(v.guest)) continue;
    Prober p(hosts(v.guest), v.guest, obs);
    observe_guest(p, obs.guests[v.guest], opt);
  }
  // A filesystem mounted straight from an array on its KVM host: that host's mounts too (its
  // kernel log is already in the KVM facts).
  for (const auto& a : t.arrays) {
    if (a.mountpoint.empty() || obs.guests.count(a.host)) continue;
    Prober p(hosts(a.host), a.host, obs);
    ObserveOptions no_log = opt;
    no_log.kernel_log = false;
    observe_guest(p, obs.guests[a.host], no_log);
  }
  return obs;
}

}  // namespace stackdr
