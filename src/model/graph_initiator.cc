#include <fmt/format.h>

#include "model/graph_layers.h"
#include "model/node_id.h"
#include "util/text.h"

// A KVM host's iSCSI nodes: the network path to each portal, each LUN's session and disk.

namespace stackdr::graph {

void Builder::kvm(const std::string& host, const KvmFacts& k) {
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

size_t Builder::network_path(const std::string& host, const KvmFacts& k, const std::string& portal) {
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

bool Builder::uses_lun(const std::string& host, const std::string& lun) const {
  if (t_.initiator.host == host) return true;
  auto h = used_.find(host);
  return h != used_.end() && h->second.count(lun) > 0;
}

void Builder::klog_evidence(Node& n, const KvmFacts& k, const std::string& host,
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

size_t Builder::session(const std::string& host, const KvmFacts& k, const LunConfig& l, const HostNodes& at) {
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

size_t Builder::disk(const std::string& host, const KvmFacts& k, const LunConfig& l, size_t session) {
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
      worsen(n, Health::kFailed, Cause::kDiskMissing,
             {host, "ls -l /dev/disk/by-path", fmt::format("no ip-*-iscsi-{}-lun-{} link", l.target, l.lun)});
    else
      set_device(n, dev);
  }
  if (auto ds = hi.disk_state.find(dev);
      !dev.empty() && ds != hi.disk_state.end() && !ds->second.empty() && ds->second != "running")
    worsen(
        n, Health::kFailed, Cause::kDiskOffline,
        {host, "iscsiadm -m session -P 3", fmt::format("Attached scsi disk {} State: {}", dev, ds->second)});
  else if (!dev.empty())  // present, but whether it is running is iscsiadm's to say
    unknown_if_missing(n, k.sessions.has_value(), reads_, host, "iscsiadm");
  if (auto b = hi.block.find(dev); !dev.empty() && b != hi.block.end()) {
    if (b->second->wwn) n.attrs["wwn"] = *b->second->wwn;
    if (b->second->serial) n.facts.serial = n.attrs["serial"] = *b->second->serial;
  }
  return g_.add(std::move(n));
}

}  // namespace stackdr::graph
