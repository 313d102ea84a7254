#include "model/graph_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "model/node_id.h"
#include "model/read_index.h"
#include "probe/lio_configfs.h"
#include "util/text.h"

namespace stackdr {

namespace {

// The setters of the typed facts code reads back (NodeFacts), each writing the text reports
// show beside it.
void set_device(Node& n, const std::string& dev) {
  n.facts.device = n.attrs["device"] = dev;
}

// attrs[key]: "recovery 42.0%" (md, one decimal as mdstat prints it) or "scrub 12.34%" (zpool
// status prints two); md's estimate as "finish": "12.3min".
void set_progress(Node& n, const char* key, Progressing p, int decimals) {
  n.attrs[key] = fmt::format("{} {:.{}f}%", p.action, p.percent, decimals);
  if (p.finish_minutes) n.attrs["finish"] = fmt::format("{:.1f}min", *p.finish_minutes);
  n.facts.progress = std::move(p);
}

void worsen(Node& n, Health h, Cause cause, Evidence e) {
  auto rank = [](Health x) {
    return x == Health::kOk ? 0 : x == Health::kUnknown ? 1 : x == Health::kDegraded ? 2 : 3;
  };
  if (rank(h) > rank(n.health)) {
    n.health = h;
    n.cause = cause;
  }
  n.evidence.push_back(std::move(e));
}

// The source LIO facts are cited under: the configfs tree the observer reads.
const std::string kLio(kLioConfigfsRoot);

// A source that could not be read makes the nodes it feeds UNKNOWN, with the reason: the
// first failed read on that host that names the source (LIO is read by two commands and two
// parsers, all naming its configfs root; a host pings several portals), else the read itself.
bool unknown_if_missing(Node& n, bool have, const ReadIndex& reads, const std::string& host,
                        const std::string& source) {
  if (have) return false;
  const SourceRecord* r = reads.failed_naming(host, source);
  if (!r) r = reads.any_starting(host, source);
  worsen(n, Health::kUnknown, Cause::kSourceUnreadable,
         {host, source, r ? "could not read: " + r->error : "not read", true});
  return true;
}

class Builder {
 public:
  Builder(const Topology& t, const Observation& o) : t_(t), o_(o), reads_(o) {}

  // In two halves: the storage server's nodes need no md state, so a caller may work the md
  // states out meanwhile.
  void build_storage() {
    // About six nodes per LUN (zvol, backstore, LUN, session, disk, member), two per array.
    g_.reserve(t_.luns.size() * 6 + t_.arrays.size() * 2 + t_.vms.size() * 4 + 16);
    index();
    storage();
  }
  StackGraph build_rest(const std::map<std::string, MdArrayState>& md) {
    md_ = &md;
    for (const auto& [host, facts] : o_.kvm) kvm(host, facts);
    vms();
    return std::move(g_);
  }

 private:
  // Lookups by identity, built once so that a build stays linear in the size of the stack.
  // Keys and values are views of the observation and the topology, which outlive the build:
  // copying them was some 10,000 allocations at 1,000 arrays.
  struct HostIndex {
    IscsiDiskIndex device;                                              // (IQN, LUN) → sdX
    std::unordered_map<std::string_view, const IscsiSession*> session;  // IQN → session
    std::unordered_map<std::string_view, std::string_view> disk_state;  // sdX → running / blocked / ...
    std::unordered_map<std::string_view, const BlockDevice*> block;     // sdX → lsblk row
  };

  // A KVM host's nodes that others rest on, by what names them.
  struct HostNodes {
    std::unordered_map<std::string, size_t> path;  // portal → network path
    std::unordered_map<std::string, size_t> disk;  // LUN name → iSCSI disk
  };

  void index() {
    for (const auto& [host, k] : o_.kvm) {
      HostIndex& hi = idx_[host];
      if (k.by_path) hi.device = IscsiDiskIndex(*k.by_path);
      if (k.sessions)
        for (const auto& se : k.sessions->sessions) {
          hi.session[se.target] = &se;
          for (const auto& d : se.disks) hi.disk_state[d.device] = d.state;
        }
      if (k.lsblk)
        for (const auto& b : k.lsblk->blockdevices) hi.block[b.name] = &b;  // disks are top-level rows
    }
    const StorageFacts& st = o_.storage;
    if (st.zvols)
      for (const auto& p : st.zvols->properties)
        if (p.property == "volmode") volmode_[p.dataset] = p.value;
    if (st.zvol_links)
      for (const auto& l : st.zvol_links->links) zvol_links_.insert(l.name);
    if (st.lio) {
      for (const auto& b : st.lio->backstores) backstores_[b.type + "/" + b.name] = &b;
      for (const auto& t : st.lio->targets) targets_[t.iqn] = &t;
    }
    for (const auto& a : t_.arrays)
      for (const auto& m : a.members) used_[a.host].insert(m);
    for (const auto& v : t_.vms)
      for (const auto& d : v.disks) used_[v.host].insert(d.source);
  }

  // ---- storage server -------------------------------------------------------------------
  void storage() {
    const StorageFacts& s = o_.storage;
    const std::string& host = t_.storage.host;
    if (!t_.storage.pool.empty()) pool(s, host);
    Node lio{node_id::target_service(host),
             Layer::kTargetService,
             host,
             "LIO target service on " + host,
             Health::kOk,
             Cause::kNone,
             {},
             {},
             {}};
    if (!unknown_if_missing(lio, s.lio.has_value(), reads_, host, kLio)) {
      if (s.lio->targets.empty() && s.lio->backstores.empty() && !t_.luns.empty())
        worsen(lio, Health::kFailed, Cause::kTargetNotListening,
               {host, kLio,
                "no backstores and no targets: configfs is empty (target service stopped or not restored)"});
    }
    for (const auto& portal : t_.portals())
      if (s.listeners && !s.listeners->listening_on(portal_port(portal)))
        worsen(lio, Health::kFailed, Cause::kTargetNotListening,
               {host, "ss -Htln",
                fmt::format("nothing listens on port {} (portal {})", portal_port(portal), portal)});
    lio_ = g_.add(std::move(lio));
    for (const auto& l : t_.luns) lun_at_[&l] = lun(s, host, l, backstore(s, host, l, zvol(s, host, l)));
  }

  void pool(const StorageFacts& s, const std::string& host) {
    Node p{node_id::pool(t_.storage.pool),
           Layer::kPool,
           host,
           "pool " + t_.storage.pool,
           Health::kOk,
           Cause::kNone,
           {},
           {},
           {}};
    const ZpoolPool* zp = nullptr;
    if (s.zpool)
      for (const auto& x : s.zpool->pools)
        if (x.name == t_.storage.pool) zp = &x;
    if (unknown_if_missing(p, s.zpool.has_value(), reads_, host, "zpool status")) {
      pool_ = g_.add(std::move(p));
      return;
    }
    if (!zp) {
      worsen(p, Health::kFailed, Cause::kPoolMissing,
             {host, "zpool status", "pool " + t_.storage.pool + " is not imported"});
      pool_ = g_.add(std::move(p));
      return;
    }
    std::string line = fmt::format("state: {}", zp->state);
    if (zp->state == "DEGRADED")
      worsen(p, Health::kDegraded, Cause::kPoolDegraded, {host, "zpool status", line});
    else if (zp->state != "ONLINE")
      worsen(p, Health::kFailed, Cause::kPoolFaulted,
             {host, "zpool status", line + (zp->status.empty() ? "" : " — " + zp->status)});
    if (zp->scan_percent) set_progress(p, "scan", {zp->scan_kind, *zp->scan_percent, std::nullopt}, 2);
    for (const ZpoolVdev* leaf : zpool_leaves(zp->root)) {
      if (leaf->group == "spares") continue;
      Node d{node_id::pool_disk(zp->name, leaf->name),
             Layer::kPoolDisk,
             host,
             "disk " + leaf->name + " of pool " + zp->name,
             Health::kOk,
             Cause::kNone,
             {},
             {},
             {}};
      std::string row =
          fmt::format("{} {} read {} write {} cksum {}{}", leaf->name, leaf->state, leaf->read_errors,
                      leaf->write_errors, leaf->cksum_errors, leaf->note.empty() ? "" : "  " + leaf->note);
      if (leaf->state == "FAULTED" || leaf->state == "UNAVAIL" || leaf->state == "REMOVED" ||
          leaf->state == "OFFLINE")
        worsen(d, Health::kFailed, Cause::kVdevFaulted, {host, "zpool status", row});
      else if (leaf->state != "ONLINE" && leaf->state != "AVAIL")
        worsen(d, Health::kDegraded, Cause::kVdevDegraded, {host, "zpool status", row});
      else if (leaf->read_errors + leaf->write_errors + leaf->cksum_errors > 0)
        worsen(d, Health::kDegraded, Cause::kVdevErrors, {host, "zpool status", row});
      auto sm = s.smart.find(leaf->name);
      if (sm != s.smart.end())
        for (const auto& c : sm->second.concerns)
          worsen(d, Health::kDegraded, Cause::kDiskSmartWarning, {host, "smartctl " + leaf->name, c});
      p.depends_on.push_back(g_.add(std::move(d)));
    }
    pool_ = g_.add(std::move(p));
  }

  // The volume whose stackdr:lun names this LUN, when it is not the topology's zvol ("" = none
  // read, or more than one: which is the LUN's is then a person's call).
  static std::string renamed_to(const StorageFacts& s, const LunConfig& l) {
    if (!s.zvol_owners) return "";
    std::string found;
    for (const auto& p : s.zvol_owners->properties) {
      if (p.property != "stackdr:lun" || p.value != l.name || p.dataset == l.zvol) continue;
      if (!found.empty()) return "";
      found = p.dataset;
    }
    return found;
  }

  std::optional<size_t> zvol(const StorageFacts& s, const std::string& host, const LunConfig& l) {
    if (l.zvol.empty()) return std::nullopt;
    Node z{
        node_id::zvol(l.zvol), Layer::kZvol, host, "zvol " + l.zvol, Health::kOk, Cause::kNone, {}, {}, {}};
    if (pool_) z.depends_on.push_back(*pool_);
    if (!unknown_if_missing(z, s.zvols.has_value(), reads_, host, "zfs get")) {
      auto vm = volmode_.find(l.zvol);
      auto volmode = vm == volmode_.end() ? std::optional<std::string_view>() : vm->second;
      if (!volmode) {
        std::string moved = renamed_to(s, l);
        if (!moved.empty()) {
          worsen(z, Health::kFailed, Cause::kZvolRenamed,
                 {host, "zfs get stackdr:lun",
                  fmt::format("dataset {} does not exist; {} is the volume made for LUN {} (stackdr:lun={})",
                              l.zvol, moved, l.name, l.name)});
          z.facts.renamed_to = z.attrs["renamed_to"] = moved;
        } else {
          worsen(z, Health::kFailed, Cause::kZvolMissing,
                 {host, "zfs get",
                  "dataset " + l.zvol + " does not exist" +
                      (s.zvol_owners ? "; no volume in the pool has stackdr:lun=" + l.name : "")});
        }
      } else if (*volmode == "none")
        worsen(z, Health::kFailed, Cause::kZvolMissing,
               {host, "zfs get volmode",
                l.zvol + " volmode=none: no device node (runbook: zfs set volmode=dev)"});
      if (s.zvol_links && z.health == Health::kOk) {
        if (!zvol_links_.count(l.zvol.substr(l.zvol.rfind('/') + 1)))
          worsen(z, Health::kFailed, Cause::kZvolMissing,
                 {host, "ls -l /dev/zvol", l.device + " does not exist (udev has not created it)"});
      }
    }
    return g_.add(std::move(z));
  }

  size_t backstore(const StorageFacts& s, const std::string& host, const LunConfig& l,
                   std::optional<size_t> zvol) {
    Node b{node_id::backstore(host, l),
           Layer::kBackstore,
           host,
           "backstore " + l.backstore(),
           Health::kOk,
           Cause::kNone,
           {},
           {lio_},
           {}};
    if (zvol) b.depends_on.push_back(*zvol);
    if (s.lio) {
      auto it = backstores_.find(l.backstore());
      if (it == backstores_.end())
        worsen(b, Health::kFailed, Cause::kBackstoreMissing,
               {host, kLio, "no storage object " + l.backstore()});
      else if (!it->second->device.empty() && it->second->device != l.device)
        worsen(b, Health::kFailed, Cause::kBackstoreWrongDevice,
               {host, kLio,
                fmt::format("{} is backed by {}, expected {}", l.backstore(), it->second->device, l.device)});
      else
        set_device(b, it->second->device);
    } else {
      unknown_if_missing(b, false, reads_, host, kLio);
    }
    return g_.add(std::move(b));
  }

  size_t lun(const StorageFacts& s, const std::string& host, const LunConfig& l, size_t backstore) {
    Node n{node_id::lun(l),
           Layer::kLun,
           host,
           text::cat({"LUN ", std::to_string(l.lun), " of ", l.target, " (", l.name, ")"}),
           Health::kOk,
           Cause::kNone,
           {},
           {backstore},
           {}};
    if (!s.lio) {
      unknown_if_missing(n, false, reads_, host, kLio);
      return g_.add(std::move(n));
    }
    auto found = targets_.find(l.target);
    const LioTarget* t = found == targets_.end() ? nullptr : found->second;
    if (!t || t->tpgs.empty()) {
      worsen(n, Health::kFailed, Cause::kTargetMissing, {host, kLio, "no iSCSI target " + l.target});
    } else {
      const LioTpg& tpg = t->tpgs.front();
      auto lun =
          std::find_if(tpg.luns.begin(), tpg.luns.end(), [&](const LioLun& x) { return x.lun == l.lun; });
      if (!tpg.enabled)
        worsen(n, Health::kFailed, Cause::kTpgDisabled,
               {host, kLio, fmt::format("{}/tpg{} is disabled", l.target, tpg.tag)});
      if (lun == tpg.luns.end())
        worsen(n, Health::kFailed, Cause::kLunMissing,
               {host, kLio,
                fmt::format("{}/tpg{} has no lun{} (expected {})", l.target, tpg.tag, l.lun, l.backstore())});
      else if (lun->backstore != l.backstore())
        worsen(n, Health::kFailed, Cause::kLunMissing,
               {host, kLio, fmt::format("lun{} maps {}, expected {}", l.lun, lun->backstore, l.backstore())});
      if (!t_.initiator.iqn.empty() && !tpg.acls.empty()) {
        auto acl = std::find_if(tpg.acls.begin(), tpg.acls.end(),
                                [&](const LioAcl& a) { return a.initiator == t_.initiator.iqn; });
        if (acl == tpg.acls.end())
          worsen(n, Health::kFailed, Cause::kAclMissing,
                 {host, kLio, "no ACL for initiator " + t_.initiator.iqn});
      }
      const std::string& portal = t_.portal_of(l);
      std::string any = "0.0.0.0:" + std::to_string(portal_port(portal));
      if (!tpg.portals.empty() &&
          std::find(tpg.portals.begin(), tpg.portals.end(), portal) == tpg.portals.end() &&
          std::find(tpg.portals.begin(), tpg.portals.end(), any) == tpg.portals.end())
        worsen(n, Health::kFailed, Cause::kPortalMissing, {host, kLio, "TPG has no portal " + portal});
    }
    return g_.add(std::move(n));
  }

  // ---- KVM host -------------------------------------------------------------------------
  void kvm(const std::string& host, const KvmFacts& k) {
    HostNodes& at = at_[host];
    // One network path per portal: with a portal per leg, one leg's network can fail alone.
    for (const auto& portal : t_.portals()) {
      bool used = false;
      for (const auto& l : t_.luns) used = used || (uses_lun(host, l.name) && t_.portal_of(l) == portal);
      if (used || portal == t_.storage.portal) at.path[portal] = network_path(host, k, portal);
    }
    for (const auto& l : t_.luns) {
      if (!uses_lun(host, l.name)) continue;
      at.disk[l.name] = disk(host, k, l, session(host, k, l, at));
    }
    for (const auto& a : t_.arrays) {
      if (a.host != host) continue;
      size_t arr = array_at_[&a] = array(host, k, a, at);
      if (!a.mountpoint.empty()) filesystem(site_of(a), {arr});
    }
  }

  size_t network_path(const std::string& host, const KvmFacts& k, const std::string& portal) {
    Node path{node_id::path(host, portal),
              Layer::kNetworkPath,
              host,
              fmt::format("network {} → {}", host, portal),
              Health::kOk,
              Cause::kNone,
              {},
              {},
              {}};
    auto ping = k.pings.find(portal_ip(portal));
    if (ping == k.pings.end())
      unknown_if_missing(path, false, reads_, host, "ping");
    else if (!ping->second.reachable)
      worsen(path, Health::kFailed, Cause::kPortalUnreachable,
             {host, "ping " + portal_ip(portal),
              ping->second.summary.empty() ? "no reply" : ping->second.summary});
    return g_.add(std::move(path));
  }

  bool uses_lun(const std::string& host, const std::string& lun) const {
    if (t_.initiator.host == host) return true;
    auto h = used_.find(host);
    return h != used_.end() && h->second.count(lun) > 0;
  }

  void klog_evidence(Node& n, const KvmFacts& k, const std::string& host,
                     const std::function<bool(const KernelEvent&)>& match) {
    if (!k.kmsg) return;
    // The last three matching lines, oldest first.
    std::vector<Evidence> lines;
    for (auto it = k.kmsg->events.rbegin(); it != k.kmsg->events.rend() && lines.size() < 3; ++it)
      if (match(*it))
        lines.push_back(
            {host, "dmesg", fmt::format("[{}] {}", it->time, it->text.substr(0, it->text.find('\n')))});
    n.evidence.insert(n.evidence.end(), lines.rbegin(), lines.rend());
  }

  size_t session(const std::string& host, const KvmFacts& k, const LunConfig& l, const HostNodes& at) {
    const std::string& portal = t_.portal_of(l);
    std::string id = node_id::session(host, l, portal);
    if (auto i = g_.index_of(id)) return *i;  // one session per target, shared by its LUNs
    Node n{std::move(id),
           Layer::kSession,
           host,
           text::cat({"session ", host, " → ", l.target}),
           Health::kOk,
           Cause::kNone,
           {},
           {},
           {}};
    if (auto p = at.path.find(portal); p != at.path.end()) n.depends_on.push_back(p->second);
    n.depends_on.push_back(lio_);
    n.depends_on.push_back(lun_at_.at(&l));
    if (!unknown_if_missing(n, k.sessions.has_value(), reads_, host, "iscsiadm")) {
      const HostIndex& hi = idx_[host];
      auto sit = hi.session.find(l.target);
      const IscsiSession* se = sit == hi.session.end() ? nullptr : sit->second;
      if (!se) {
        worsen(n, Health::kFailed, Cause::kSessionDown,
               {host, "iscsiadm -m session", "no session to " + l.target + " (logged out)"});
      } else {
        n.facts.sid = se->sid;
        n.attrs["sid"] = se->sid ? std::to_string(*se->sid) : "";
        if (se->recovery_timeout) {
          n.facts.replacement_timeout = *se->recovery_timeout;
          n.attrs["replacement_timeout"] = std::to_string(*se->recovery_timeout);
        }
        if (!se->session_state.empty() && se->session_state != "LOGGED_IN")
          worsen(n, Health::kFailed, Cause::kSessionDown,
                 {host, "iscsiadm -m session -P 3",
                  fmt::format("SID {}: iSCSI Session State: {}, Connection State: {}", se->sid.value_or(-1),
                              se->session_state, se->connection_state)});
      }
      if (n.health != Health::kOk) {
        std::string sid = n.facts.sid ? std::to_string(*n.facts.sid) : "";
        klog_evidence(n, k, host, [&](const KernelEvent& e) {
          return !sid.empty() && (e.session == "session" + sid || e.session == "connection" + sid + ":0");
        });
      }
    }
    return g_.add(std::move(n));
  }

  size_t disk(const std::string& host, const KvmFacts& k, const LunConfig& l, size_t session) {
    const HostIndex& hi = idx_[host];
    const std::string* found = hi.device.device(l.target, l.lun);
    const std::string dev = found ? *found : "";
    bool listed = k.by_path.has_value();
    Node n{node_id::iscsi_disk(host, l),
           Layer::kIscsiDisk,
           host,
           // Named by today's device once the listing shows it.
           listed && !dev.empty()
               ? text::cat({"iSCSI disk ", l.name, " (/dev/", dev, ") on ", host})
               : text::cat({"iSCSI disk ", l.name, " lun ", std::to_string(l.lun), " on ", host}),
           Health::kOk,
           Cause::kNone,
           {},
           {session, lun_at_.at(&l)},
           {}};
    if (!unknown_if_missing(n, listed, reads_, host, "ls -l /dev/disk/by-path")) {
      if (dev.empty())
        worsen(
            n, Health::kFailed, Cause::kDiskMissing,
            {host, "ls -l /dev/disk/by-path", fmt::format("no ip-*-iscsi-{}-lun-{} link", l.target, l.lun)});
      else
        set_device(n, dev);
    }
    if (auto ds = hi.disk_state.find(dev);
        !dev.empty() && ds != hi.disk_state.end() && !ds->second.empty() && ds->second != "running")
      worsen(n, Health::kFailed, Cause::kDiskOffline,
             {host, "iscsiadm -m session -P 3",
              fmt::format("Attached scsi disk {} State: {}", dev, ds->second)});
    else if (!dev.empty())  // present, but whether it is running is iscsiadm's to say
      unknown_if_missing(n, k.sessions.has_value(), reads_, host, "iscsiadm");
    if (auto b = hi.block.find(dev); !dev.empty() && b != hi.block.end()) {
      if (b->second->wwn) n.attrs["wwn"] = *b->second->wwn;
      if (b->second->serial) n.facts.serial = n.attrs["serial"] = *b->second->serial;
    }
    return g_.add(std::move(n));
  }

  size_t array(const std::string& host, const KvmFacts& k, const ArrayConfig& a, const HostNodes& at) {
    const MdArrayState& st = md_->at(a.name);
    Node arr{node_id::array(a),
             Layer::kMdArray,
             host,
             text::cat({"array ", a.name, " (", a.device, ")"}),
             Health::kOk,
             Cause::kNone,
             {},
             {},
             {}};
    if (!st.uuid.empty()) arr.attrs["uuid"] = st.uuid;
    const std::string mdstat_src = "/proc/mdstat";
    const std::string& kn = st.kernel_name;
    if (!unknown_if_missing(arr, st.assembled != Seen::kUnknown, reads_, host, mdstat_src)) {
      if (st.assembled == Seen::kNo) {
        worsen(arr, Health::kFailed, Cause::kArrayStopped, {host, mdstat_src, kn + " is not assembled"});
      } else if (!st.active) {
        worsen(arr, Health::kFailed, Cause::kArrayInactive,
               {host, mdstat_src, fmt::format("{} : inactive", kn)});
      } else {
        // mdstat's line and the state file, written out only when cited (not for a healthy array).
        auto line = [&] {
          return fmt::format("{} : {} {} [{}/{}] [{}]", kn, st.md_state, st.level, st.raid_disks,
                             st.active_disks, st.health);
        };
        auto state_src = [&] { return "/sys/block/" + kn + "/md/array_state"; };
        if (st.broken == Seen::kYes)
          worsen(arr, Health::kFailed, Cause::kArrayBroken,
                 {host, state_src(), "broken: md could not fail its last leg; writes are failing"});
        if (st.broken == Seen::kUnknown) {
          // mdstat's [U_] or [UU] says nothing of a broken RAID1 (md keeps its last leg): a
          // degraded array may be failing every write. What is seen is kept as evidence.
          unknown_if_missing(arr, false, reads_, host, state_src());
          arr.evidence.push_back({host, mdstat_src, line()});
        } else if (st.active_disks == 0)
          worsen(arr, Health::kFailed, Cause::kArrayFailed, {host, mdstat_src, line()});
        else if (st.active_disks < st.raid_disks)
          worsen(arr, Health::kDegraded, Cause::kArrayDegraded, {host, mdstat_src, line()});
        if (st.sync && st.sync->percent) {
          set_progress(arr, "sync", {st.sync->action, *st.sync->percent, st.sync->finish_minutes}, 1);
        }
      }
    }
    // Freshness: the highest event count among the array and every member superblock seen.
    int64_t freshest = st.detail_events.value_or(0);
    for (const auto& m : st.members)
      if (m.sb && m.sb->events) freshest = std::max(freshest, *m.sb->events);
    for (const auto& m : st.members)
      if (const LunConfig* l = t_.lun(m.lun))
        arr.depends_on.push_back(member(host, k, st, m, *l, freshest, at));
    return g_.add(std::move(arr));
  }

  // A member's health from what was seen of it. Each branch needs its evidence to have been
  // read: a disk not listed, a superblock not examined or an mdstat not read is UNKNOWN, never
  // "missing".
  size_t member(const std::string& host, const KvmFacts& k, const MdArrayState& a, const MdMemberState& m,
                const LunConfig& l, int64_t freshest, const HostNodes& at) {
    const ArrayConfig& ac = *a.config;
    const std::string& dev = m.device;
    Node n{node_id::member(ac, l.name),
           Layer::kMdMember,
           host,
           dev.empty() ? text::cat({ac.name, " member ", l.name})
                       : text::cat({ac.name, " member ", l.name, " (/dev/", dev, ")"}),
           Health::kOk,
           Cause::kNone,
           {},
           {},
           {}};
    if (auto d = at.disk.find(l.name); d != at.disk.end()) n.depends_on.push_back(d->second);
    if (!dev.empty()) set_device(n, dev);
    if (m.sb) {
      n.attrs["events"] = std::to_string(m.sb->events.value_or(0));
      if (m.sb->role) n.attrs["role"] = std::to_string(*m.sb->role);
    }
    if (m.slot && m.slot->journal) n.attrs["kind"] = "journal";
    auto examine_src = [&] { return "mdadm --examine /dev/" + dev; };  // cited only when not OK
    if (m.disk == Seen::kUnknown) {
      unknown_if_missing(n, false, reads_, host, "ls -l /dev/disk/by-path");
    } else if (m.disk == Seen::kNo) {
      worsen(n, Health::kFailed, Cause::kMemberMissing,
             {host, "ls -l /dev/disk/by-path", "the member's disk is not present"});
    } else if (m.superblock == Seen::kNo) {
      worsen(n, Health::kFailed, Cause::kSuperblockInvalid, {host, examine_src(), m.no_superblock_text});
    } else if (m.slot && m.slot->faulty) {
      worsen(n, Health::kFailed, Cause::kMemberFaulty,
             {host, "/proc/mdstat", fmt::format("{}[{}](F)", m.slot->device, m.slot->role)});
    } else if (m.sb && !m.sb->array_uuid.empty() && ac.uuid && *ac.uuid != m.sb->array_uuid) {
      worsen(n, Health::kFailed, Cause::kSuperblockForeign,
             {host, examine_src(), "Array UUID " + m.sb->array_uuid + " is not " + *ac.uuid});
    } else if (m.sb && m.sb->events && *m.sb->events < freshest && (m.in_array != Seen::kYes || !a.active) &&
               a.assembled != Seen::kUnknown) {
      worsen(n, Health::kFailed, Cause::kEventsMismatch,
             {host, examine_src(),
              fmt::format("Events {} < {} (freshest copy); Update Time {}", *m.sb->events, freshest,
                          m.sb->update_time_text)});
    } else if (a.active && m.in_array == Seen::kNo) {
      worsen(n, Health::kFailed, Cause::kMemberMissing,
             {host, "/proc/mdstat", fmt::format("/dev/{} is not part of {}", dev, a.kernel_name)});
    } else if (a.assembled == Seen::kUnknown) {
      unknown_if_missing(n, false, reads_, host, "/proc/mdstat");
    } else if (m.superblock == Seen::kUnknown && !a.active) {
      // A stopped or inactive array's member is judged by its superblock alone.
      worsen(n, Health::kUnknown, Cause::kSourceUnreadable,
             {host, examine_src(), "not read: " + m.unread, true});
    }
    if (m.rebuilding && m.in_array == Seen::kYes && !(m.slot && m.slot->faulty) && a.sync &&
        a.sync->action == "recovery")
      worsen(n, Health::kDegraded, Cause::kRebuilding,
             {host, "mdadm --detail " + ac.device, fmt::format("/dev/{} spare rebuilding", dev)});
    auto sys_dev = [&] { return "/sys/block/" + a.kernel_name + "/md/dev-" + dev; };
    if (std::find(m.sysfs_state.begin(), m.sysfs_state.end(), "write_error") != m.sysfs_state.end())
      worsen(n, Health::kDegraded, Cause::kWriteErrors,
             {host, sys_dev() + "/state", text::join(m.sysfs_state, ",")});
    if (m.bad_block_ranges)
      worsen(n, Health::kDegraded, Cause::kBadBlocks,
             {host, sys_dev() + "/bad_blocks",
              fmt::format("{} bad-block ranges recorded (first at sector {})", m.bad_block_ranges,
                          m.first_bad_sector)});
    if (n.health != Health::kOk)
      klog_evidence(n, k, host, [&](const KernelEvent& e) {
        return !dev.empty() && e.device == dev && e.kind != "other";
      });
    return g_.add(std::move(n));  // a node's strings are moved, not copied: a sweep adds thousands
  }

  // ---- VMs ------------------------------------------------------------------------------
  void vms() {
    for (const auto& v : t_.vms) {
      auto kit = o_.kvm.find(v.host);
      const KvmFacts* k = kit == o_.kvm.end() ? nullptr : &kit->second;
      Node vm{node_id::vm(v), Layer::kVm, v.host, "VM " + v.name, Health::kOk, Cause::kNone, {}, {}, {}};
      if (!k || !k->domains) {
        unknown_if_missing(vm, false, reads_, v.host, "virsh list");
      } else {
        auto d = std::find_if(k->domains->domains.begin(), k->domains->domains.end(),
                              [&](const VirshDomain& x) { return x.name == v.name; });
        if (d == k->domains->domains.end())
          worsen(vm, Health::kFailed, Cause::kVmMissing, {v.host, "virsh list --all", "no domain " + v.name});
        else if (d->state != "running")
          worsen(vm, Health::kFailed, Cause::kVmNotRunning,
                 {v.host, "virsh list --all", v.name + " is " + d->state});
      }
      std::vector<size_t> disks;  // one per v.disks entry
      for (const auto& dc : v.disks) disks.push_back(vm_disk(v, dc, k));
      vm.depends_on = disks;
      impact(vm, v);
      size_t vm_at = g_.add(std::move(vm));
      for (size_t i = 0; i < v.disks.size(); ++i)
        if (!v.disks[i].mountpoint.empty() && !v.guest.empty())
          filesystem(site_of(v, v.disks[i]), {disks[i], vm_at});
    }
  }

  // The node a VM disk's source names: an array, or an iSCSI disk on the VM's host.
  std::optional<size_t> disk_source(const std::string& host, const std::string& source) const {
    if (const ArrayConfig* a = t_.array(source)) {
      auto it = array_at_.find(a);
      if (it != array_at_.end()) return it->second;
    } else if (auto h = at_.find(host); h != at_.end()) {
      auto it = h->second.disk.find(source);
      if (it != h->second.disk.end()) return it->second;
    }
    return std::nullopt;
  }

  // What a failed disk does to the guest (runbook: VMs freeze when their storage goes): a
  // failed boot disk stops every I/O of the guest, so the VM is FAILED; a failed data disk
  // leaves it running without that disk, DEGRADED (its filesystem node says whether that data
  // is down).
  void impact(Node& vm, const VmConfig& v) {
    // Only a VM seen to exist and run can be said to freeze: an UNKNOWN one stays UNKNOWN.
    if (vm.health != Health::kOk) return;
    for (const auto& dc : v.disks) {
      auto at = disk_source(v.host, dc.source);
      const Node* src = at ? &g_.node(*at) : nullptr;
      if (!src || src->health != Health::kFailed) continue;
      std::string why = fmt::format("its {} disk {} rests on {}, which is FAILED ({})",
                                    dc.boot ? "boot" : "data", dc.target, src->label, cause_name(src->cause));
      if (dc.boot)
        worsen(vm, Health::kFailed, Cause::kVmFrozen,
               {v.host, "stack graph", why + ": the guest's I/O hangs"});
      else
        worsen(vm, Health::kDegraded, Cause::kVmDiskLost, {v.host, "stack graph", why});
    }
  }

  size_t vm_disk(const VmConfig& v, const VmDiskConfig& dc, const KvmFacts* k) {
    Node n{node_id::vm_disk(v, dc),
           Layer::kVmDisk,
           v.host,
           fmt::format("{} disk {} ← {}", v.name, dc.target, dc.source),
           Health::kOk,
           Cause::kNone,
           {},
           {},
           {}};
    std::string expected;
    if (auto at = disk_source(v.host, dc.source)) n.depends_on.push_back(*at);
    if (const ArrayConfig* a = t_.array(dc.source))
      expected = a->device;
    else if (const LunConfig* l = t_.lun(dc.source))
      expected = fmt::format("-iscsi-{}-lun-{}", l->target, l->lun);
    auto b = k ? k->domblklist.find(v.name) : std::map<std::string, VirshDomblklistFacts>::const_iterator{};
    if (!k || b == k->domblklist.end()) {
      unknown_if_missing(n, false, reads_, v.host, "virsh domblklist");
    } else {
      auto d = std::find_if(b->second.disks.begin(), b->second.disks.end(),
                            [&](const VirshBlockDevice& x) { return x.target == dc.target; });
      if (d == b->second.disks.end())
        worsen(n, Health::kFailed, Cause::kVmDiskDetached,
               {v.host, "virsh domblklist " + v.name,
                dc.target + " is not attached (runbook Scenario 5 step 3)"});
      else if (!text::contains(d->source, expected))
        worsen(n, Health::kFailed, Cause::kVmDiskWrongSource,
               {v.host, "virsh domblklist " + v.name,
                fmt::format("{} is {}, expected {}", dc.target, d->source, expected)});
    }
    return g_.add(std::move(n));
  }

  // A filesystem on a VM disk (checked inside the VM) or on an array (checked on its host).
  void filesystem(const FilesystemSite& f, std::vector<size_t> depends_on) {
    Node n{node_id::filesystem(f),
           Layer::kFilesystem,
           f.host,
           fmt::format("filesystem {} on {}", f.mountpoint, f.owner),
           Health::kOk,
           Cause::kNone,
           {},
           std::move(depends_on),
           {}};
    auto git = o_.guests.find(f.host);
    if (git == o_.guests.end() || !git->second.mounts) {
      unknown_if_missing(n, false, reads_, f.host, "/proc/mounts");
    } else {
      const Mount* m = git->second.mounts->at(f.mountpoint);
      auto kit = o_.kvm.find(f.host);
      const auto& kmsg = git->second.kmsg      ? git->second.kmsg
                         : kit != o_.kvm.end() ? kit->second.kmsg
                                               : git->second.kmsg;
      std::string dev = f.device.substr(f.device.rfind('/') + 1);
      // Since Linux 6.1 ext4 with errors=remount-ro stops every write after an error but no
      // longer flags the mount read-only: /proc/mounts still says rw (seen in our qemu lab).
      // The kernel log tells: "Remounting filesystem read-only" after its last mount.
      const KernelEvent* shut = nullptr;
      if (kmsg)
        for (const auto& e : kmsg->events)
          if (e.device == dev && (e.kind == "fs-remount-ro" || e.kind == "fs-mounted"))
            shut = e.kind == "fs-remount-ro" ? &e : nullptr;
      if (!m) {
        worsen(n, Health::kFailed, Cause::kFsNotMounted,
               {f.host, "/proc/mounts", f.mountpoint + " is not mounted"});
      } else if (m->read_only() || shut) {
        worsen(n, Health::kFailed, Cause::kFsReadonly,
               {f.host, "/proc/mounts",
                fmt::format("{} {} {} {}{}", m->device, m->mountpoint, m->fstype, text::join(m->options, ","),
                            m->read_only() ? "" : " (the kernel stopped its writes: see dmesg)")});
        if (kmsg)
          for (const auto& e : kmsg->events)
            if ((e.kind == "fs-remount-ro" || e.kind == "fs-error") && e.device == dev)
              n.evidence.push_back({f.host, "dmesg", fmt::format("[{}] {}", e.time, e.text)});
      }
    }
    g_.add(std::move(n));
  }

  const Topology& t_;
  const Observation& o_;
  const std::map<std::string, MdArrayState>* md_ = nullptr;  // set by build_rest()
  ReadIndex reads_;
  StackGraph g_;
  // Where the nodes others rest on were added (their place in g_), so an edge is an index,
  // never an id to rebuild and look up.
  size_t lio_ = 0;
  std::optional<size_t> pool_;
  std::unordered_map<const LunConfig*, size_t> lun_at_;
  std::unordered_map<const ArrayConfig*, size_t> array_at_;
  std::map<std::string, HostNodes> at_;  // by KVM host
  std::map<std::string, HostIndex> idx_;
  std::map<std::string, std::unordered_set<std::string_view>> used_;  // host → LUNs and arrays in use
  std::unordered_map<std::string_view, std::string_view> volmode_;    // zvol → volmode
  std::unordered_set<std::string_view> zvol_links_;                   // names under /dev/zvol/POOL
  std::unordered_map<std::string, const LioBackstore*> backstores_;   // "block/name" → backstore
  std::unordered_map<std::string_view, const LioTarget*> targets_;    // IQN → target
};

}  // namespace

StackGraph build_graph(const Topology& t, const Observation& o,
                       const std::map<std::string, MdArrayState>& md) {
  Builder b(t, o);
  b.build_storage();
  return b.build_rest(md);
}

StackGraph build_graph(const Topology& t, const Observation& o) {
  Builder b(t, o);
  // On a big stack the md states (a fifth of a build) are worked out on another thread while
  // the storage server's nodes are added (another fifth): both only read the topology and
  // the observation. A small stack is not worth a thread's start.
  constexpr size_t kArraysWorthAThread = 100;
  if (t.arrays.size() < kArraysWorthAThread) {
    b.build_storage();
    return b.build_rest(md_states(t, o));
  }
  auto md = std::async(std::launch::async, [&] { return md_states(t, o); });
  b.build_storage();
  return b.build_rest(md.get());
}

}  // namespace stackdr
