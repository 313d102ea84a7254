#include <fmt/format.h>

#include "model/graph_layers.h"
#include "model/node_id.h"
#include "util/text.h"

// The storage server's nodes: the pool and its disks, each LUN's zvol, backstore and mapping, the target
// service.

namespace stackdr::graph {

void Builder::storage() {
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

void Builder::pool(const StorageFacts& s, const std::string& host) {
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

std::string Builder::renamed_to(const StorageFacts& s, const LunConfig& l) {
  if (!s.zvol_owners) return "";
  std::string found;
  for (const auto& p : s.zvol_owners->properties) {
    if (p.property != "stackdr:lun" || p.value != l.name || p.dataset == l.zvol) continue;
    if (!found.empty()) return "";
    found = p.dataset;
  }
  return found;
}

std::optional<size_t> Builder::zvol(const StorageFacts& s, const std::string& host, const LunConfig& l) {
  if (l.zvol.empty()) return std::nullopt;
  Node z{node_id::zvol(l.zvol), Layer::kZvol, host, "zvol " + l.zvol, Health::kOk, Cause::kNone, {}, {}, {}};
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
      worsen(
          z, Health::kFailed, Cause::kZvolMissing,
          {host, "zfs get volmode", l.zvol + " volmode=none: no device node (runbook: zfs set volmode=dev)"});
    if (s.zvol_links && z.health == Health::kOk) {
      if (!zvol_links_.count(l.zvol.substr(l.zvol.rfind('/') + 1)))
        worsen(z, Health::kFailed, Cause::kZvolMissing,
               {host, "ls -l /dev/zvol", l.device + " does not exist (udev has not created it)"});
    }
  }
  return g_.add(std::move(z));
}

size_t Builder::backstore(const StorageFacts& s, const std::string& host, const LunConfig& l,
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

size_t Builder::lun(const StorageFacts& s, const std::string& host, const LunConfig& l, size_t backstore) {
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

}  // namespace stackdr::graph
