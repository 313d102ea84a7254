#include <fmt/format.h>

#include "recover/plan_builder.h"

// The iSCSI initiator's plans: a storage network to wait for, a session to log in again, a LUN to rescan.

namespace stackdr::planning {

void PlanBuilder::network(const std::string& root) {
  std::string portal = t_.storage.portal;
  for (const auto& p : t_.portals())
    if (root == node_id::path(t_.initiator.host, p)) portal = p;
  Step& s =
      add("net.wait:" + portal,
          fmt::format("wait for the storage network: {} must answer from {}", portal, t_.initiator.host),
          "Scenario 2, Step 1: restore network (cables, switch ports, interfaces)", t_.initiator.host,
          Safety::kRead, {}, "the portal answers", node_ok(node_id::path(t_.initiator.host, portal)), 3600);
  s.predict = "operator action: restore the network; stackdr re-logs in and repairs the arrays after it";
}

void PlanBuilder::session(const LunConfig& l, Cause cause) {
  const std::string& h = t_.initiator.host;
  const std::string& portal = t_.portal_of(l);
  Check disk_ok = node_ok(node_id::iscsi_disk(h, l));
  if (cause == Cause::kDiskMissing) {
    add("iscsi.rescan:" + l.name, fmt::format("rescan the session to {} for LUN {}", l.target, l.lun),
        "Scenario 1, Step 2: reconnect on KVM host (rescan)", h, Safety::kSafe,
        {"iscsiadm", "-m", "session", "-r", "{sid:" + l.name + "}", "--rescan"}, "the LUN's disk is present",
        disk_ok);
    return;
  }
  if (cause == Cause::kDiskOffline)
    add("iscsi.logout:" + l.name, fmt::format("log out of {}", l.target), "Scenario 1, Step 2: logout", h,
        Safety::kDisruptive, {"iscsiadm", "-m", "node", "-T", l.target, "-p", portal, "--logout"},
        "the disk is online again", disk_ok);
  add("iscsi.login:" + l.name, fmt::format("log in to {}", l.target), "Scenario 1, Step 2: login", h,
      Safety::kSafe, {"iscsiadm", "-m", "node", "-T", l.target, "-p", portal, "--login"},
      "the session is up and its disk present",
      [sid = node_id::session(h, l, portal), disk_ok](const View& v) {
        std::string w = v.not_ok(sid);
        return w.empty() ? disk_ok(v) : w;
      });
}

}  // namespace stackdr::planning
