#include "observe/observer.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "observe/prober.h"
#include "probe/lio_saveconfig.h"
#include "probe/probe_argv.h"
#include "util/text.h"

namespace stackdr {

const SourceRecord* Observation::source(std::string_view host, std::string_view prefix) const {
  for (const auto& s : sources)
    if (s.host == host && text::starts_with(s.source, prefix)) return &s;
  return nullptr;
}

namespace {

// Each probe below writes into its own field (or a map entry made before the batch runs):
// the batch may run them side by side.

// Whether zfs's stderr says of each dataset asked for that it does not exist (and nothing else).
bool none_exist(std::string_view err, const std::vector<std::string>& datasets) {
  std::set<std::string> missing;
  for (auto line : text::lines(err)) {
    if (text::trim(line).empty()) continue;
    // cannot open 'storage/iscsi-test01': dataset does not exist
    constexpr std::string_view kOpen = "cannot open '", kEnd = "': dataset does not exist";
    if (!text::starts_with(line, kOpen) || line.size() <= kOpen.size() + kEnd.size() ||
        line.substr(line.size() - kEnd.size()) != kEnd)
      return false;
    missing.insert(std::string(line.substr(kOpen.size(), line.size() - kOpen.size() - kEnd.size())));
  }
  for (const auto& d : datasets)
    if (!missing.count(d)) return false;
  return true;
}

// The pool, its zvols (and, when one is missing, where it went), its disks' SMART.
void add_zfs_probes(const Topology& t, Host* h, StorageFacts& f,
                    std::map<std::string, std::optional<SmartctlFacts>>& smart, const ObserveOptions& opt,
                    ProbeBatch& b) {
  const std::string& name = t.storage.host;
  b.add(h, name, [&t, &f, &opt](Prober& p) {
    if (auto r = p.run(probe_argv::zpool_status(t.storage.pool), opt.timeout))
      f.zpool = p.parsed(parse_zpool_status(r->out, "zpool status"), "zpool status");
  });
  std::vector<std::string> zvols;
  for (const auto& l : t.luns)
    if (!l.zvol.empty()) zvols.push_back(l.zvol);
  if (!zvols.empty()) {
    // A zvol that does not exist may have been renamed: then the volume whose stackdr:lun
    // names the LUN is where it went (read after zfs get, only then).
    int owners = b.group([h, name, zvols, &t, &f, &opt](ProbeBatch& more) {
      if (!f.zvols) return;
      bool missing = false;
      for (const auto& z : zvols) missing = missing || !f.zvols->get(z, "volsize");
      if (!missing) return;
      more.add(h, name, [&t, &f, &opt](Prober& p) {
        if (auto r = p.run(probe_argv::zfs_get_lun_owners(t.storage.pool), opt.timeout))
          f.zvol_owners = text::trim(r->out).empty()  // a pool with no volume at all
                              ? ZfsGetFacts{}
                              : p.parsed(parse_zfs_get(r->out, "zfs get stackdr:lun"), "zfs get stackdr:lun");
      });
    });
    b.add(
        h, name,
        [zvols, &f, &opt](Prober& p) {
          // A missing dataset makes zfs exit 1 but still print the others. When none of them
          // exists (a new pool, before `lun create`) it prints nothing on stdout: that is a read
          // saying so, when stderr names every one of them as not existing.
          if (auto r = p.run(probe_argv::zfs_get_volumes(zvols), opt.timeout, {0, 1})) {
            if (r->exit_code == 1 && text::trim(r->out).empty() && none_exist(r->err, zvols))
              f.zvols = ZfsGetFacts{};
            else
              f.zvols = p.parsed(parse_zfs_get(r->out, "zfs get"), "zfs get");
          }
        },
        owners);
    b.add(h, name, [&t, &f, &opt](Prober& p) {
      if (auto r = p.run(probe_argv::ls_zvols(t.storage.pool), opt.timeout, {0, 2}))
        f.zvol_links = p.parsed(parse_disk_links(r->out, "ls -l /dev/zvol"), "ls -l /dev/zvol");
    });
  }
  if (opt.smart) {
    for (const auto& d : t.storage.disks) {
      auto& slot = smart[d];
      b.add(h, name, [d, &slot, &opt](Prober& p) {
        // smartctl's exit status is a bit mask of findings, not a failure to run.
        if (auto r = p.run(probe_argv::smartctl(d), opt.timeout,
                           {0, 4, 8, 16, 24, 32, 64, 72, 80, 88, 96, 128, 192}))
          slot = p.parsed(parse_smartctl_json(r->out, "smartctl " + d), "smartctl " + d);
      });
    }
  }
}

// The settings lint reads: LIO's saved configuration, the target unit, the pool's properties.
void add_storage_settings_probes(const Topology& t, Host* h, StorageFacts& f, const ObserveOptions& opt,
                                 ProbeBatch& b) {
  const std::string& name = t.storage.host;
  b.add(h, name, [&f](Prober& p) {
    // The first saved config that exists; when neither does, the last read's failure stands.
    for (std::string_view path : kLioSaveconfigPaths)
      if (auto v = p.read(std::string(path))) {
        f.lio_saved = p.parsed(parse_lio_saveconfig(*v, path), std::string(path));
        f.lio_saved_path = path;
        return;
      }
  });
  // The target service: the unit the topology names (storage.service, what recovery starts),
  // else the one the distribution ships — rtslib-fb-targetctl.service on Debian and Ubuntu,
  // target.service on Red Hat. is-enabled exits 1 for "disabled" (an answer) and for a unit
  // that does not exist (no state printed: try the next name). No unit named (no systemd, LIO
  // restored by targetctl): nothing to read.
  if (!t.storage.service.empty())
    b.add(h, name, [&t, &f, &opt](Prober& p) {
      std::vector<std::string> units{t.storage.service + ".service"};
      for (std::string_view u : kTargetUnits)
        if (u != units[0]) units.emplace_back(u);
      for (const auto& unit : units) {
        auto r = p.run(probe_argv::unit_enabled(unit), opt.timeout, {0, 1});
        if (!r) return;
        std::string state(text::trim(r->out));
        if (state.empty()) continue;
        f.target_unit = state;
        f.target_unit_name = unit;
        return;
      }
      f.target_unit_name = "";  // read, and no such unit exists: said as such by lint
      f.target_unit = "";
    });
  if (!t.storage.pool.empty())
    b.add(h, name, [&t, &f, &opt](Prober& p) {
      if (auto r = p.run(probe_argv::zpool_get(t.storage.pool, "failmode,autoreplace"), opt.timeout)) {
        std::map<std::string, std::string> props;
        for (auto line : text::lines(r->out)) {
          auto fields = text::split(line, '\t');
          if (fields.size() >= 2) props[std::string(fields[0])] = std::string(fields[1]);
        }
        f.pool_props = props;
      }
    });
}

void add_storage_probes(const Topology& t, Host* h, StorageFacts& f,
                        std::map<std::string, std::optional<SmartctlFacts>>& smart, const ObserveOptions& opt,
                        ProbeBatch& b) {
  const std::string& name = t.storage.host;
  f.host = name;
  if (!t.storage.pool.empty()) add_zfs_probes(t, h, f, smart, opt, b);
  b.add(h, name, [&f, &opt](Prober& p) {
    // LIO from configfs: the tree, then the values of its attributes. No LIO modules loaded
    // makes find exit 1 ("No such file"), which the parser reads as an empty configuration.
    auto tree = p.run(probe_argv::lio_tree(), opt.timeout, {0, 1});
    if (!tree) return;
    auto facts = p.parsed(parse_lio_tree(tree->out + tree->err, kLioTreeSource), std::string(kLioTreeSource));
    if (!facts) return;
    if (facts->targets.empty() && facts->backstores.empty()) {  // nothing whose values to read
      f.lio = std::move(*facts);
      return;
    }
    // grep exits 1 when it printed nothing (an empty configuration).
    auto vals = p.run(probe_argv::lio_values(), opt.timeout, {0, 1});
    if (!vals) return;
    if (auto v = p.parsed(parse_lio_values(vals->out, kLioValuesSource), std::string(kLioValuesSource)))
      f.lio = apply_lio_values(std::move(*facts), *v);
  });
  b.add(h, name, [&f, &opt](Prober& p) {
    if (auto r = p.run(probe_argv::ss_listen(), opt.timeout))
      f.listeners = p.parsed(parse_ss_listeners(r->out, "ss -Htln"), "ss -Htln");
  });
  if (opt.kernel_log)
    b.add(h, name, [&f, &opt](Prober& p) {
      if (auto r = p.run(probe_argv::dmesg(), opt.timeout))
        f.kmsg = p.parsed(parse_kernel_log(r->out, "dmesg"), "dmesg");
    });
  if (opt.settings) add_storage_settings_probes(t, h, f, opt, b);
}

// Map entries a KVM host's probes fill; kept apart so that a probe that could not say leaves
// no entry, as "absent" means "unknown" in the facts.
struct KvmSlots {
  std::map<std::string, std::optional<PingResult>> pings;                 // by portal IP
  std::map<std::string, std::optional<VirshDomblklistFacts>> domblklist;  // by domain
  std::map<std::string, std::optional<VirshDomstate>> domstate;           // by domain
  std::map<std::string, std::optional<MdadmDetailFacts>> detail;          // by array name
  std::map<std::string, std::optional<MemberExamine>> examine;            // by kernel disk name
};

// The VMs of this host: `virsh list --all`, then why a paused one is paused, and each VM's
// disks (`virsh domblklist`).
void add_vm_probes(const Topology& t, Host* h, const std::string& name, KvmFacts& f, KvmSlots& slots,
                   const ObserveOptions& opt, ProbeBatch& b) {
  // A paused domain: why (an I/O error, or its user — whose pause recovery must not undo).
  for (const auto& v : t.vms)
    if (v.host == name) slots.domstate[v.name];
  int reasons = b.group([h, name, &f, &slots, &opt](ProbeBatch& more) {
    if (!f.domains) return;
    for (const auto& d : f.domains->domains) {
      auto slot = slots.domstate.find(d.name);
      if (d.state != "paused" || slot == slots.domstate.end()) continue;
      more.add(h, name, [vm = d.name, &out = slot->second, &opt](Prober& p) {
        std::string what = "virsh domstate " + vm + " --reason";
        if (auto r = p.run(probe_argv::virsh_domstate_reason(vm), opt.timeout))
          out = p.parsed(parse_virsh_domstate(r->out, what), what);
      });
    }
  });
  b.add(
      h, name,
      [&f, &opt](Prober& p) {
        if (auto r = p.run(probe_argv::virsh_list(), opt.timeout))
          f.domains = p.parsed(parse_virsh_list(r->out, "virsh list --all"), "virsh list --all");
      },
      reasons);
  for (const auto& v : t.vms) {
    if (v.host != name) continue;
    auto& slot = slots.domblklist[v.name];
    b.add(h, name, [vm = v.name, &slot, &opt](Prober& p) {
      if (auto r = p.run(probe_argv::virsh_domblklist(vm), opt.timeout))
        slot = p.parsed(parse_virsh_domblklist(r->out, "virsh domblklist " + vm), "virsh domblklist " + vm);
    });
  }
}

// The KVM host's first round: everything that does not depend on another probe's answer.
// What the second round rests on (sessions, by-path links, pings, mdstat) is in the group
// `second_round`; the rest (lsblk, virsh, dmesg, settings) may still run during it.
void add_kvm_probes(const Topology& t, Host* h, const std::string& name, KvmFacts& f, KvmSlots& slots,
                    const ObserveOptions& opt, ProbeBatch& b, int second_round) {
  f.host = name;
  b.add(
      h, name,
      [&f, &opt](Prober& p) {
        if (auto r = p.run(probe_argv::iscsiadm_sessions(), opt.timeout, {0, 21}))
          f.sessions = p.parsed(parse_iscsiadm_session(r->out, "iscsiadm -m session -P 3", r->err),
                                "iscsiadm -m session -P 3");
      },
      second_round);
  b.add(
      h, name,
      [&f, &opt](Prober& p) {
        if (auto r = p.run(probe_argv::ls_by_path(), opt.timeout, {0, 2}))
          f.by_path =
              p.parsed(parse_disk_links(r->out, "ls -l /dev/disk/by-path"), "ls -l /dev/disk/by-path");
      },
      second_round);
  b.add(h, name, [&f, &opt](Prober& p) {
    if (auto r = p.run(probe_argv::lsblk(), opt.timeout))
      f.lsblk = p.parsed(parse_lsblk(r->out, "lsblk"), "lsblk");
  });
  for (const auto& portal : t.portals()) {
    std::string ip = portal_ip(portal);
    if (slots.pings.count(ip)) continue;
    auto& slot = slots.pings[ip];
    b.add(
        h, name,
        [ip, &slot, &opt](Prober& p) {
          if (auto r = p.run(probe_argv::ping(ip), opt.timeout, {0, 1, 2})) {
            PingResult pr;
            pr.reachable = r->exit_code == 0;
            for (auto l : text::lines(r->out))
              if (text::contains(l, "packet loss")) pr.summary = std::string(l);
            slot = std::move(pr);
          }
        },
        second_round);
  }
  b.add(
      h, name,
      [&f](Prober& p) {
        if (auto v = p.read("/proc/mdstat")) f.mdstat = p.parsed(parse_mdstat(*v), "/proc/mdstat");
      },
      second_round);
  if (t.runs_vms(name)) add_vm_probes(t, h, name, f, slots, opt, b);
  if (opt.kernel_log)
    b.add(h, name, [&f, &opt](Prober& p) {
      if (auto r = p.run(probe_argv::dmesg(), opt.timeout))
        f.kmsg = p.parsed(parse_kernel_log(r->out, "dmesg"), "dmesg");
    });
  if (!opt.settings) return;
  b.add(h, name, [&f, &opt](Prober& p) {
    // Exit 21: no node records at all (an answer: nothing is configured to log in).
    if (auto r = p.run(probe_argv::iscsiadm_nodes(), opt.timeout, {0, 21}))
      f.nodes = p.parsed(parse_iscsiadm_node(r->out + r->err, "iscsiadm -m node -o show"),
                         "iscsiadm -m node -o show");
  });
  b.add(h, name, [&f](Prober& p) {
    if (auto v = p.read("/etc/mdadm/mdadm.conf")) f.mdadm_conf = *v;
  });
}

// `mismatch`: also the last check's mismatch count (maintenance reads it; a health sweep need not).
void read_md_sysfs(Prober& p, const MdstatArray& a, MdSysfsFacts& sys, bool mismatch) {
  sys.array = a.name;
  std::string base = "/sys/block/" + a.name + "/md/";
  if (auto v = p.read(base + "array_state"))
    if (auto st = p.parsed(parse_md_array_state(*v, base + "array_state"), base + "array_state"))
      sys.array_state = *st;
  if (auto v = p.read(base + "degraded")) sys.degraded = static_cast<int>(text::to_int(*v).value_or(0));
  if (mismatch)
    if (auto v = p.read(base + "mismatch_cnt")) sys.mismatch_cnt = text::to_int(text::trim(*v));
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
}

// A whole array: running and writable, every slot up ([UU]), nothing resyncing, checking or
// pending, and each member disk present, readable and listed by md in sync (no (F), (S), (R)
// or (J)). md holds the superblocks of such an array and writes them at each event; what an
// examine of its members could show that matters (a member gone, failed, behind) shows in
// /proc/mdstat first. An array with anything else about it is examined every sweep.
bool whole_array(const MdstatArray& a, const std::vector<std::pair<std::string, std::string>>& members,
                 size_t configured) {
  if (a.state != "active" || a.read_only || a.auto_read_only || a.sync || a.raid_disks <= 0 ||
      a.active_disks != a.raid_disks || a.health.find_first_not_of('U') != std::string::npos ||
      members.size() != configured)
    return false;
  for (const auto& [disk, why] : members) {
    auto m = std::find_if(a.members.begin(), a.members.end(),
                          [&](const MdstatMember& x) { return x.device == disk; });
    if (!why.empty() || m == a.members.end() || m->faulty || m->spare || m->replacement || m->journal)
      return false;
  }
  return true;
}

// Whether a whole array's members are examined this sweep: one sweep in `every`, each array on
// its own turn (by its name) so the reads spread over the sweeps instead of coming together.
bool examine_turn(const std::string& array, const ObserveOptions& opt) {
  if (opt.whole_array_examine_every <= 1 || opt.sweep == 0) return true;
  auto every = static_cast<uint64_t>(opt.whole_array_examine_every);
  return (std::hash<std::string>{}(array) + opt.sweep) % every == 0;
}

// Every member disk that can be read gets examined: its superblock says whether it is fresh,
// stale or gone, whatever the array currently thinks of it — unless its array is whole and not
// on its turn (`defer`, whole_array above), which is said instead of read.
void add_examine_probes(Host* h, const std::string& name, const ArrayConfig& a,
                        const std::vector<std::pair<std::string, std::string>>& members, bool defer,
                        KvmFacts& f, KvmSlots& slots, const ObserveOptions& opt, ProbeBatch& b) {
  for (const auto& [disk, why] : members) {
    if (slots.examine.count(disk)) continue;
    if (defer) {
      f.examine_deferred[disk] = fmt::format(
          "not read this sweep: md lists every member of {} in sync, and a whole array's "
          "superblocks are read one sweep in {}",
          a.device, opt.whole_array_examine_every);
      continue;
    }
    std::string dev = "/dev/" + disk;
    if (!why.empty()) {
      b.add(h, name, [dev, why](Prober& p) { p.skip(probe_argv::mdadm_examine(dev), "not read: " + why); });
      continue;
    }
    auto& slot = slots.examine[disk];
    b.add(h, name, [dev, &slot, &opt](Prober& p) {
      if (auto r = p.run(probe_argv::mdadm_examine(dev), opt.mdadm_timeout, {0, 1})) {
        MemberExamine e;
        e.stderr_text = r->err;
        if (r->exit_code == 0)
          e.facts = p.parsed(parse_mdadm_examine(r->out, "mdadm --examine " + dev), "mdadm --examine " + dev);
        else
          e.no_superblock = examine_says_no_superblock(r->err);
        slot = std::move(e);
      }
    });
  }
}

// The KVM host's second round: the arrays md knows (from /proc/mdstat) and the member disks
// present (from the by-path links), each examined. It runs as the follow-up of the host's
// `second_round` group, on a worker, while other probes still run: it touches only this
// host's facts and slots, which no probe still running writes to the same place.
void add_array_probes(const Topology& t, Host* h, const std::string& name, KvmFacts& f, KvmSlots& slots,
                      const ObserveOptions& opt, ProbeBatch& b) {
  std::map<std::string, const MdstatArray*> arrays;
  if (f.mdstat)
    for (const auto& x : f.mdstat->arrays) arrays[x.name] = &x;
  IscsiDiskIndex disks = f.by_path ? IscsiDiskIndex(*f.by_path) : IscsiDiskIndex();
  std::set<std::string> blocked;  // disks whose I/O waits for a recovering session
  if (f.sessions)
    for (const auto& se : f.sessions->sessions)
      for (const auto& d : se.disks)
        if (d.state == "blocked") blocked.insert(d.device);
  for (const auto& a : t.arrays) {
    if (a.host != name) continue;
    // Member disks present (by-path), and why one cannot be read now: mdadm would wait for it
    // until the session's replacement timeout, holding the whole sweep for its own timeout.
    std::vector<std::pair<std::string, std::string>> members;  // sdX → why unreadable ("" = readable)
    std::string unreadable;
    for (const auto& mname : a.members) {
      const LunConfig* l = t.lun(mname);
      const std::string* disk = l ? disks.device(l->target, l->lun) : nullptr;
      if (!disk) continue;
      const std::string& portal = t.portal_of(*l);
      std::string why;
      if (auto ping = slots.pings.find(portal_ip(portal));
          ping != slots.pings.end() && ping->second && !ping->second->reachable)
        why = "its portal " + portal + " does not answer ping";
      else if (blocked.count(*disk))
        why = "its iSCSI disk is blocked while the session recovers";
      members.emplace_back(*disk, why);
      if (!why.empty() && unreadable.empty()) unreadable = "member " + *disk + ": " + why;
    }
    auto found = arrays.find(a.kernel_name());
    bool defer = found != arrays.end() && !examine_turn(a.name, opt) &&
                 whole_array(*found->second, members, a.members.size());
    if (found != arrays.end()) {
      const MdstatArray* ma = found->second;
      auto& sys = f.md_sysfs[a.name];
      b.add(h, name, [ma, &sys, &opt](Prober& p) { read_md_sysfs(p, *ma, sys, opt.settings); });
      if (!unreadable.empty()) {
        // The array's I/O waits for that member too (the lab saw --detail hang for 5 s).
        b.add(h, name, [dev = a.device, unreadable](Prober& p) {
          p.skip(probe_argv::mdadm_detail(dev), "not read: " + unreadable);
        });
      } else {
        auto& detail = slots.detail[a.name];
        b.add(h, name, [dev = a.device, &detail, &opt](Prober& p) {
          if (auto r = p.run(probe_argv::mdadm_detail(dev), opt.mdadm_timeout))
            detail = p.parsed(parse_mdadm_detail(r->out, "mdadm --detail " + dev), "mdadm --detail " + dev);
        });
      }
    }
    add_examine_probes(h, name, a, members, defer, f, slots, opt, b);
  }
}

void add_guest_probes(Host* h, const std::string& name, GuestFacts& f, bool kernel_log,
                      const ObserveOptions& opt, ProbeBatch& b) {
  f.host = name;
  b.add(h, name, [&f](Prober& p) {
    if (auto v = p.read("/proc/mounts")) f.mounts = p.parsed(parse_mounts(*v), "/proc/mounts");
  });
  if (kernel_log)
    b.add(h, name, [&f, &opt](Prober& p) {
      if (auto r = p.run(probe_argv::dmesg(), opt.timeout))
        f.kmsg = p.parsed(parse_kernel_log(r->out, "dmesg"), "dmesg");
    });
}

// Moves the filled slots into a facts map; a slot left empty means the probe could not say.
template <typename T>
void keep_filled(std::map<std::string, std::optional<T>>& slots, std::map<std::string, T>& into) {
  for (auto& [k, v] : slots)
    if (v) into[k] = std::move(*v);
}

}  // namespace

Observation observe(const Topology& t, const HostLookup& hosts, const ObserveOptions& opt) {
  Observation obs;
  ProbeBatch batch;
  std::map<std::string, std::optional<SmartctlFacts>> smart;
  add_storage_probes(t, hosts(t.storage.host), obs.storage, smart, opt, batch);
  std::map<std::string, KvmSlots> slots;  // by KVM host
  for (const auto& name : t.kvm_hosts()) {
    // Looked up here, not in the follow-up: a worker must not insert into these maps.
    Host* h = hosts(name);
    KvmFacts& f = obs.kvm[name];
    KvmSlots& s = slots[name];
    int second_round = batch.group(
        [&t, h, name, &f, &s, &opt](ProbeBatch& b) { add_array_probes(t, h, name, f, s, opt, b); });
    add_kvm_probes(t, h, name, f, s, opt, batch, second_round);
  }
  for (const auto& v : t.vms) {
    if (v.guest.empty() || obs.guests.count(v.guest)) continue;
    add_guest_probes(hosts(v.guest), v.guest, obs.guests[v.guest], opt.kernel_log, opt, batch);
  }
  // A filesystem mounted straight from an array on its KVM host: that host's mounts too (its
  // kernel log is already in the KVM facts).
  for (const auto& a : t.arrays) {
    if (a.mountpoint.empty() || obs.guests.count(a.host)) continue;
    add_guest_probes(hosts(a.host), a.host, obs.guests[a.host], false, opt, batch);
  }
  batch.run(opt.parallel, obs.sources);
  keep_filled(smart, obs.storage.smart);
  for (auto& [h, s] : slots) {
    KvmFacts& f = obs.kvm[h];
    keep_filled(s.pings, f.pings);
    keep_filled(s.domblklist, f.domblklist);
    keep_filled(s.domstate, f.domstate);
    keep_filled(s.detail, f.detail);
    keep_filled(s.examine, f.examine);
  }
  return obs;
}

}  // namespace stackdr
