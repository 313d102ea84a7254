#pragma once
/// iSCSI sysfs (/sys/class/iscsi_session/sessionN/{targetname,state,recovery_tmo},
/// /sys/class/iscsi_connection/connectionN:0/{address,port,state}, and each SCSI disk's
/// device/state). Faster than iscsiadm and never blocks. Parsed from the dump the collector
/// (and the lab) writes: "PATH key=value ..." lines, indented "key=value" lines, and
/// "sdX device/state=STATE" lines.

#include <optional>
#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct IscsiSysfsSession {
  std::string name;  // session1
  std::string targetname, state;
  std::optional<int> recovery_tmo;
};

struct IscsiSysfsConnection {
  std::string name;  // connection1:0
  std::string address, persistent_address, state;
  std::optional<int> port, persistent_port;
};

struct IscsiSysfsFacts {
  std::vector<IscsiSysfsSession> sessions;
  std::vector<IscsiSysfsConnection> connections;
  std::vector<std::pair<std::string, std::string>> disk_states;  // sda → running
  ParseWarnings warnings;
};

Result<IscsiSysfsFacts> parse_iscsi_sysfs(std::string_view text, std::string_view source = "iscsi sysfs");
void to_json(nlohmann::json& j, const IscsiSysfsFacts& f);

}  // namespace stackdr
