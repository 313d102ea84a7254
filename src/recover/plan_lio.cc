#include <fmt/format.h>

#include "recover/plan_builder.h"

// The LIO target's plans: a backstore, LUN mapping or ACL recreated (with the unit serial it had), the saved
// configuration, the target service restored.

namespace stackdr::planning {

std::string PlanBuilder::serial_of(const LunConfig& l) {
  auto it = c_.known_serials.find(l.name);
  return it == c_.known_serials.end() ? "" : it->second;
}

void PlanBuilder::saveconfig() {
  add("lio.saveconfig", "save the LIO configuration so a reboot restores it",
      "Scenario 1, Step 1: (targetcli exit saves)", t_.storage.host, Safety::kSafe,
      {"targetcli", "saveconfig"}, "exit status 0", Check{})
      .rerun_safe = "it saves the same running configuration again";
}

void PlanBuilder::map_lun(const LunConfig& l) {
  add("lio.lun:" + l.name, fmt::format("map {} as LUN {} of {}", l.backstore(), l.lun, l.target),
      "Scenario 1, Step 1: recreate backstore (luns create)", t_.storage.host, Safety::kSafe,
      {"targetcli", fmt::format("/iscsi/{}/tpg1/luns", l.target), "create", "/backstores/" + l.backstore(),
       std::to_string(l.lun)},
      "the LUN is mapped", node_ok(node_id::lun(l)));
}

void PlanBuilder::backstore(const LunConfig& l, Cause cause) {
  std::string dev = l.device.empty() ? "/dev/zvol/" + l.zvol : l.device;
  std::string serial = serial_of(l);
  if (cause == Cause::kBackstoreWrongDevice) {
    p_.escalate = fmt::format(
        "backstore {} points at another device than {}: check which data it serves "
        "before changing it (targetcli /backstores/{} delete, then recover)",
        l.backstore(), dev, l.backstore());
    return;
  }
  Argv argv = {"targetcli", "/backstores/" + l.backstore_type, "create", "name=" + l.backstore_name,
               "dev=" + dev};
  if (!serial.empty()) argv.push_back("wwn=" + serial);
  Step& s = add("lio.backstore:" + l.name, fmt::format("recreate backstore {} on {}", l.backstore(), dev),
                "Scenario 1, Step 1: recreate backstore", t_.storage.host, Safety::kSafe, argv,
                "the backstore exists", node_ok(node_id::backstore(t_.storage.host, l)));
  s.predict = serial.empty()
                  ? "no serial was ever seen for it: the disk's WWN and /dev/disk/by-id name will change"
                  : "keeps unit serial " + serial + " (same WWN as before)";
  map_lun(l);
  saveconfig();
}

void PlanBuilder::lun(const LunConfig& l) {
  map_lun(l);
  saveconfig();
}

void PlanBuilder::acl(const LunConfig& l) {
  add("lio.acl:" + l.target, fmt::format("allow {} on {}", t_.initiator.iqn, l.target),
      "Scenario 1, Step 1: target configuration issue", t_.storage.host, Safety::kSafe,
      {"targetcli", fmt::format("/iscsi/{}/tpg1/acls", l.target), "create", t_.initiator.iqn},
      "the ACL exists", node_ok(node_id::lun(l)));
  saveconfig();
}

void PlanBuilder::target_service() {
  const std::string& unit = t_.storage.service;
  add("lio.start",
      unit.empty() ? std::string("restore the saved LIO configuration (targetctl restore)")
                   : fmt::format("start {}.service (restores the saved LIO configuration)", unit),
      "Scenario 2, Step 1: verify iSCSI service listening", t_.storage.host, Safety::kSafe,
      unit.empty() ? Argv{"targetctl", "restore"} : Argv{"systemctl", "start", "--", unit},
      "LIO is up and listening on the portal", node_ok(node_id::target_service(t_.storage.host)), 30);
}

}  // namespace stackdr::planning
