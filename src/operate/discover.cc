#include "operate/discover.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>

#include "observe/observer.h"
#include "probe/mounts.h"
#include "probe/probe_argv.h"
#include "probe/virsh.h"
#include "util/text.h"

namespace stackdr {

namespace {

// A LUN found on the storage server, and where it is seen from the initiator.
struct FoundLun {
  LunConfig config;
  std::string serial;  // LIO unit serial
  std::string disk;    // the initiator's sdX for it, if a session shows it
  std::string portal;  // as the initiator logged in (else LIO's portal)
};

// A name topology rules accept, made from a LIO object name (they are already close).
std::string safe_name(std::string s) {
  for (auto& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '-';
  return s.empty() ? "lun" : s;
}

}  // namespace

void emit_hosts(YAML::Emitter& y, const std::vector<HostConfig>& hosts) {
  y << YAML::BeginMap;
  for (const auto& h : hosts) {
    y << YAML::Key << h.name << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "role" << YAML::Value
      << (h.role == HostRole::kStorage ? "storage"
          : h.role == HostRole::kKvm   ? "kvm"
                                       : "vm");
    if (!h.address.empty()) y << YAML::Key << "address" << YAML::Value << h.address;
    y << YAML::Key << "transport" << YAML::Value << transport_name(h.transport);
    if (!h.user.empty()) y << YAML::Key << "user" << YAML::Value << h.user;
    if (h.port) y << YAML::Key << "port" << YAML::Value << h.port;
    if (!h.identity.empty()) y << YAML::Key << "identity" << YAML::Value << h.identity;
    if (!h.ssh_options.empty()) y << YAML::Key << "ssh_options" << YAML::Value << YAML::Flow << h.ssh_options;
    y << YAML::EndMap;
  }
  y << YAML::EndMap;
}

namespace {

// Drafts a topology in two looks: the first reads LIO, the sessions, the disks and md; the
// second, with a topology made from those, the pool's disks, the arrays' identities and the
// target's unit; then the VMs and the draft itself. Each step is one method, in that order.
class Discovery {
 public:
  Discovery(const Topology& skeleton, const HostLookup& hosts, const DiscoveryOptions& o)
      : skeleton_(skeleton), hosts_(hosts), o_(o), kvm_name_(skeleton.initiator.host) {}

  Result<Draft> run() {
    obs_ = observe(skeleton_, hosts_, first_look_options());
    for (const auto& s : obs_.sources)
      if (!s.ok) d_.unread.push_back(fmt::format("{}: {}: {}", s.host, s.source, s.error));
    kvm_ = obs_.kvm.count(kvm_name_) ? &obs_.kvm.at(kvm_name_) : nullptr;
    find_luns();
    place_luns();
    join_disks();
    choose_portal();
    choose_pool();
    find_arrays();
    second_look();
    find_vms();
    return write_draft();
  }

 private:
  struct FoundArray {
    ArrayConfig config;
    std::vector<std::string> notes;
  };

  static ObserveOptions first_look_options() {
    ObserveOptions oo;
    oo.kernel_log = false;
    return oo;
  }

  void find_luns() {
    // LUNs: every TPG LUN of every target, with its backstore and the zvol behind it.
    if (obs_.storage.lio) {
      std::map<std::string, const LioBackstore*> backstores;
      for (const auto& b : obs_.storage.lio->backstores) backstores[b.type + "/" + b.name] = &b;
      for (const auto& t : obs_.storage.lio->targets)
        for (const auto& tpg : t.tpgs) {
          for (const auto& acl : tpg.acls) initiators_.insert(acl.initiator);
          for (const auto& l : tpg.luns) {
            FoundLun f;
            auto b = backstores.find(l.backstore);
            std::string bname = l.backstore.substr(l.backstore.find('/') + 1);
            // Named as the admin named the target (…:test01) when it exports this one LUN, else
            // after the backstore.
            std::string suffix = t.iqn.substr(t.iqn.rfind(':') + 1);
            bool one = t.tpgs.size() == 1 && tpg.luns.size() == 1 && t.iqn.find(':') != std::string::npos;
            f.config.name = safe_name(one && !suffix.empty() ? suffix : bname);
            f.config.target = t.iqn;
            f.config.lun = l.lun;
            f.config.backstore_name = bname == f.config.name ? "" : bname;
            f.config.backstore_type = l.backstore.substr(0, l.backstore.find('/'));
            std::string device = b != backstores.end() ? b->second->device : l.device;
            if (text::starts_with(device, "/dev/zvol/")) {
              f.config.zvol = device.substr(10);
              pools_.insert(f.config.zvol.substr(0, f.config.zvol.find('/')));
            } else {
              f.config.device = device;
            }
            if (b != backstores.end()) f.serial = b->second->serial;
            if (!tpg.portals.empty()) f.portal = tpg.portals.front();
            luns_.push_back(std::move(f));
          }
        }
    } else {
      d_.undecided.push_back("LIO's configuration was not read on " + skeleton_.storage.host +
                             ": no LUN is listed");
    }
    std::sort(luns_.begin(), luns_.end(),
              [](const FoundLun& a, const FoundLun& b) { return a.config.name < b.config.name; });
  }

  void place_luns() {
    // Where the initiator sees each LUN: its session's portal and attached disk.
    if (kvm_ && kvm_->sessions)
      for (const auto& s : kvm_->sessions->sessions)
        for (auto& f : luns_)
          if (f.config.target == s.target) {
            std::string portal = s.portal.substr(0, s.portal.find(','));
            if (!portal.empty()) f.portal = portal;
            for (const auto& disk : s.disks)
              if (disk.lun == f.config.lun) f.disk = disk.device;
          }
  }

  void join_disks() {
    // Join each disk to its LUN by serial where lsblk shows one (a name can move; a serial does not).
    if (kvm_ && kvm_->lsblk)
      for (const auto& dev : kvm_->lsblk->blockdevices)
        for (const auto& f : luns_)
          if (!f.serial.empty() && dev.serial && *dev.serial == f.serial) {
            lun_of_disk_[dev.name] = f.config.name;
            joined_by_[f.config.name] = "serial " + f.serial;
          }
    for (const auto& f : luns_)
      if (!f.disk.empty() && !lun_of_disk_.count(f.disk)) {
        lun_of_disk_[f.disk] = f.config.name;
        joined_by_[f.config.name] = "the session's attached disk (no serial to match)";
      }
  }

  void choose_portal() {
    // Portals: the first LUN's is storage.portal; a LUN reached on another one says its own.
    storage_portal_ = luns_.empty() ? "" : luns_.front().portal;
    if (!storage_portal_.empty() && text::starts_with(storage_portal_, "0.0.0.0:")) {
      d_.undecided.push_back(
          fmt::format("LIO listens on {} (every address) and no session shows which one the KVM host uses: "
                      "storage.portal "
                      "says the storage server's address; check it",
                      storage_portal_));
      storage_portal_ = skeleton_.host(skeleton_.storage.host)->address + storage_portal_.substr(7);
    }
  }

  void choose_pool() {
    second_ = skeleton_;
    // The pool: the one the LUNs' zvols are in, and its disks.
    if (pools_.size() == 1) pool_ = *pools_.begin();
    if (pools_.size() > 1)
      d_.undecided.push_back("the LUNs' zvols are in more than one pool (" +
                             text::join(std::vector<std::string>(pools_.begin(), pools_.end()), ", ") +
                             "): storage.pool names the first; stackdr watches one pool");
    if (pools_.size() > 1) pool_ = *pools_.begin();
    second_.storage.pool = pool_;
  }

  void find_arrays() {
    // Arrays: what md assembles on the KVM host, each member tied to its LUN.
    if (kvm_ && kvm_->mdstat) {
      for (const auto& a : kvm_->mdstat->arrays) {
        FoundArray fa;
        fa.config.name = a.name;
        fa.config.host = kvm_name_;
        fa.config.device = "/dev/" + a.name;
        fa.config.level = a.level.empty() ? "raid1" : a.level;
        std::vector<MdstatMember> members = a.members;  // in slot order, as mdadm --detail lists them
        std::stable_sort(members.begin(), members.end(),
                         [](const MdstatMember& x, const MdstatMember& y) { return x.role < y.role; });
        for (const auto& m : members) {
          if (m.journal) continue;
          auto l = lun_of_disk_.find(m.device);
          if (l == lun_of_disk_.end()) {
            fa.notes.push_back(
                fmt::format("member {} is no LUN of {}: not listed", m.device, skeleton_.storage.host));
            continue;
          }
          fa.config.members.push_back(l->second);
          fa.notes.push_back(fmt::format("{}: member {} (today {}) joined by {}", a.name, l->second, m.device,
                                         joined_by_[l->second]));
        }
        if (fa.config.members.empty()) continue;  // not an array of this stack
        arrays_.push_back(std::move(fa));
      }
    } else if (kvm_) {
      d_.undecided.push_back("/proc/mdstat was not read on " + kvm_name_ + ": no array is listed");
    }
  }

  void second_look() {
    for (const auto& a : arrays_) second_.arrays.push_back(a.config);
    for (const auto& f : luns_) second_.luns.push_back(f.config);
    second_.storage.portal = storage_portal_.empty() ? "0.0.0.0:3260" : storage_portal_;
    for (auto& l : second_.luns)
      for (const auto& f : luns_)
        if (f.config.name == l.name && f.portal != storage_portal_) l.portal = f.portal;
    second_.index();
    // Second look: the pool's disks and each array's identity (mdadm --detail).
    ObserveOptions settings = first_look_options();
    settings.settings = true;  // the target service's unit
    Observation more = observe(second_, hosts_, settings);
    if (more.storage.target_unit) {
      service_ = more.storage.target_unit_name;
      if (text::ends_with(service_, ".service")) service_.resize(service_.size() - 8);
      if (service_.empty())
        d_.undecided.push_back(
            "no LIO target unit on " + skeleton_.storage.host +
            ": storage.service is \"\" (LIO restored some other way; say how in the runbook)");
    } else {
      d_.undecided.push_back("whether " + skeleton_.storage.host +
                             " restores LIO with a systemd unit was not read: storage.service says target");
    }
    // A filesystem the KVM host mounts from an array itself (no VM between).
    std::map<std::string, std::string> host_mounts;  // device → mountpoint
    if (Host* h = hosts_(kvm_name_))
      if (auto m = h->read_file("/proc/mounts"))
        if (auto mf = parse_mounts(*m))
          for (const auto& x : mf->mounts) host_mounts.emplace(x.device, x.mountpoint);
    for (auto& a : arrays_)
      if (auto m = host_mounts.find(a.config.device); m != host_mounts.end()) a.config.mountpoint = m->second;
    if (more.storage.zpool)
      for (const auto& p : more.storage.zpool->pools) {
        std::function<void(const std::vector<ZpoolVdev>&)> leaves = [&](const std::vector<ZpoolVdev>& vs) {
          for (const auto& v : vs) {
            if (v.children.empty()) {
              if (v.name != "mirror" && !text::starts_with(v.name, "mirror-")) pool_disks_.push_back(v.name);
            } else {
              leaves(v.children);
            }
          }
        };
        leaves(p.root.children);
      }
    else if (!pool_.empty())
      d_.undecided.push_back("zpool status " + pool_ + " was not read: storage.disks is empty");
    if (more.kvm.count(kvm_name_))
      for (auto& a : arrays_) {
        auto det = more.kvm.at(kvm_name_).detail.find(a.config.name);
        if (det != more.kvm.at(kvm_name_).detail.end() && !det->second.uuid.empty())
          a.config.uuid = det->second.uuid;
      }
  }

  void find_vms() {
    // VMs: libvirt's domains on the KVM host whose disks are an array or a LUN.
    if (Host* h = hosts_(kvm_name_)) {
      CommandResult r = h->run(probe_argv::virsh_list(), std::chrono::seconds(20));
      auto list = r.ok() ? parse_virsh_list(r.out, "virsh list --all") : Result<VirshListFacts>(Error{r.err});
      if (!list) {
        d_.unread.push_back(fmt::format("{}: virsh list --all: {}", kvm_name_,
                                        std::string(text::trim(list.error().message))));
      } else {
        for (const auto& dom : list->domains) {
          if (!o_.vms.empty() && std::find(o_.vms.begin(), o_.vms.end(), dom.name) == o_.vms.end()) continue;
          CommandResult b = h->run(probe_argv::virsh_domblklist(dom.name), std::chrono::seconds(20));
          auto blk = b.ok() ? parse_virsh_domblklist(b.out, "virsh domblklist")
                            : Result<VirshDomblklistFacts>(Error{b.err});
          if (!blk) {
            d_.unread.push_back(fmt::format("{}: virsh domblklist {}", kvm_name_, dom.name));
            continue;
          }
          VmConfig vm;
          vm.name = dom.name;
          vm.host = kvm_name_;
          // A host entry of role vm named like the domain is how commands reach inside it.
          if (const HostConfig* g = skeleton_.host(dom.name); g && g->role == HostRole::kVm)
            vm.guest = g->name;
          for (const auto& disk : blk->disks) {
            std::string source;
            for (const auto& a : arrays_)
              if (disk.source == a.config.device) source = a.config.name;
            std::string dev = disk.source.substr(disk.source.rfind('/') + 1);
            if (source.empty() && lun_of_disk_.count(dev)) source = lun_of_disk_.at(dev);
            for (const auto& f : luns_)
              if (source.empty() && text::contains(disk.source, f.config.target) &&
                  text::ends_with(disk.source, "-lun-" + std::to_string(f.config.lun)))
                source = f.config.name;
            if (source.empty()) continue;
            VmDiskConfig vd;
            vd.target = disk.target;
            vd.source = source;
            vm.disks.push_back(vd);
          }
          if (vm.disks.empty()) continue;
          vm.disks.front().boot = true;
          d_.undecided.push_back(fmt::format(
              "VM {}: {}each disk's device and mountpoint inside it, and which disk it boots from (the draft "
              "says "
              "{}) are not read from outside",
              vm.name,
              vm.guest.empty() ? "how to run commands inside it (vms[].guest: a host entry with role vm), "
                               : "",
              vm.disks.front().target));
          vms_.push_back(std::move(vm));
        }
      }
    }
  }

  Result<Draft> write_draft() {
    // The draft, with what it rests on said beside each part.
    YAML::Emitter y;
    y << YAML::Comment(
        "stackdr topology drafted by `stackdr init` from what the machines showed (read-only).");
    y << YAML::Newline
      << YAML::Comment("Read it through: whatever is marked \"not decided\" is yours to fill in.");
    y << YAML::BeginMap;
    y << YAML::Key << "hosts" << YAML::Value;
    emit_hosts(y, skeleton_.hosts);
    emit_storage_and_initiator(y);
    emit_luns(y);
    emit_arrays(y);
    emit_vms(y);
    y << YAML::EndMap;
    d_.yaml = std::string(y.c_str()) + "\n";
    // A comment per line: a tool's message may span several (virsh's two "error:" lines, found
    // when the lab's KVM machine had libvirt installed and not running), and a line after a
    // newline without its '#' is YAML, not a comment.
    std::string tail;
    auto comment = [&tail](const std::string& lead, const std::string& text) {
      std::string indent = "# " + lead;
      for (auto line : text::lines(text)) {
        tail += indent + std::string(line) + "\n";
        indent = "#   ";
      }
    };
    for (const auto& a : arrays_)
      for (const auto& n : a.notes) comment("", n);
    for (const auto& u : d_.undecided) comment("not decided: ", u);
    for (const auto& u : d_.unread) comment("not read (what rests on it is left out): ", u);
    d_.yaml += tail;
    auto parsed = parse_topology(d_.yaml, "the draft");
    if (!parsed)  // the draft itself goes with the message: it is what a bug report needs
      return Error{"the draft does not parse as a topology (a stackdr bug): " + parsed.error().message +
                   "\n--- the draft ---\n" + d_.yaml};
    d_.topology = std::move(*parsed);
    return std::move(d_);
  }
  void emit_storage_and_initiator(YAML::Emitter& y) {
    y << YAML::Key << "storage" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "host" << YAML::Value << skeleton_.storage.host;
    if (!pool_.empty()) y << YAML::Key << "pool" << YAML::Value << pool_;
    y << YAML::Key << "portal" << YAML::Value << second_.storage.portal;
    if (service_ != "target") y << YAML::Key << "service" << YAML::Value << service_;
    y << YAML::Key << "disks" << YAML::Value << YAML::Flow << pool_disks_;
    y << YAML::Comment("from zpool status");
    y << YAML::Key << "spare_disks" << YAML::Value << YAML::Flow << std::vector<std::string>{};
    y << YAML::Comment("not decided: installed disks in no pool, that stackdr may zpool replace onto");
    y << YAML::EndMap;
    std::string initiator_iqn = initiators_.size() == 1 ? *initiators_.begin() : "";
    if (initiators_.size() > 1)
      d_.undecided.push_back("the targets' ACLs name more than one initiator: initiator.iqn is not decided");
    y << YAML::Key << "initiator" << YAML::Value << YAML::BeginMap;
    y << YAML::Key << "host" << YAML::Value << kvm_name_;
    if (!initiator_iqn.empty())
      y << YAML::Key << "iqn" << YAML::Value << initiator_iqn << YAML::Comment("from the ACLs");
    y << YAML::EndMap;
  }

  void emit_luns(YAML::Emitter& y) {
    y << YAML::Key << "luns" << YAML::Value << YAML::BeginSeq;
    for (const auto& f : luns_) {
      y << YAML::BeginMap;
      y << YAML::Key << "name" << YAML::Value << f.config.name;
      y << YAML::Key << "target" << YAML::Value << f.config.target;
      y << YAML::Key << "lun" << YAML::Value << f.config.lun;
      if (!f.config.zvol.empty()) y << YAML::Key << "zvol" << YAML::Value << f.config.zvol;
      if (!f.config.device.empty()) y << YAML::Key << "device" << YAML::Value << f.config.device;
      if (!f.config.backstore_name.empty())
        y << YAML::Key << "backstore" << YAML::Value << f.config.backstore_name;
      if (f.config.backstore_type != "block")
        y << YAML::Key << "backstore_type" << YAML::Value << f.config.backstore_type;
      if (!f.portal.empty() && f.portal != storage_portal_)
        y << YAML::Key << "portal" << YAML::Value << f.portal;
      y << YAML::EndMap;
      if (!f.serial.empty())
        y << YAML::Comment("LIO serial " + f.serial + (f.disk.empty() ? "" : ", today " + f.disk));
    }
    y << YAML::EndSeq;
  }

  void emit_arrays(YAML::Emitter& y) {
    y << YAML::Key << "arrays" << YAML::Value << YAML::BeginSeq;
    for (const auto& a : arrays_) {
      y << YAML::BeginMap;
      y << YAML::Key << "name" << YAML::Value << a.config.name;
      y << YAML::Key << "host" << YAML::Value << a.config.host;
      y << YAML::Key << "device" << YAML::Value << a.config.device;
      y << YAML::Key << "level" << YAML::Value << a.config.level;
      if (a.config.uuid) y << YAML::Key << "uuid" << YAML::Value << *a.config.uuid;
      y << YAML::Key << "members" << YAML::Value << YAML::Flow << a.config.members;
      if (!a.config.mountpoint.empty()) y << YAML::Key << "mountpoint" << YAML::Value << a.config.mountpoint;
      y << YAML::EndMap;
    }
    y << YAML::EndSeq;
  }

  void emit_vms(YAML::Emitter& y) {
    y << YAML::Key << "vms" << YAML::Value << YAML::BeginSeq;
    for (const auto& v : vms_) {
      y << YAML::BeginMap;
      y << YAML::Key << "name" << YAML::Value << v.name;
      y << YAML::Key << "host" << YAML::Value << v.host;
      if (!v.guest.empty()) y << YAML::Key << "guest" << YAML::Value << v.guest;
      y << YAML::Key << "disks" << YAML::Value << YAML::BeginSeq;
      for (const auto& disk : v.disks) {
        y << YAML::Flow << YAML::BeginMap;
        y << YAML::Key << "target" << YAML::Value << disk.target;
        y << YAML::Key << "source" << YAML::Value << disk.source;
        if (disk.boot) y << YAML::Key << "boot" << YAML::Value << true;
        y << YAML::EndMap;
      }
      y << YAML::EndSeq << YAML::EndMap;
    }
    y << YAML::EndSeq;
  }

  const Topology& skeleton_;
  const HostLookup& hosts_;
  const DiscoveryOptions& o_;
  const std::string& kvm_name_;
  Draft d_;
  Observation obs_;
  const KvmFacts* kvm_ = nullptr;
  std::vector<FoundLun> luns_;
  std::set<std::string> initiators_, pools_;
  std::map<std::string, std::string> lun_of_disk_;  // sdX → LUN name
  std::map<std::string, std::string> joined_by_;    // LUN name → how
  std::string storage_portal_;
  std::string pool_;
  std::vector<std::string> pool_disks_;
  Topology second_;  // the skeleton with what the first look found: what the second look reads
  std::vector<FoundArray> arrays_;
  std::string service_ = "target";
  std::vector<VmConfig> vms_;
};

}  // namespace

Result<Draft> discover_topology(const Topology& skeleton, const HostLookup& hosts,
                                const DiscoveryOptions& o) {
  return Discovery(skeleton, hosts, o).run();
}

}  // namespace stackdr
