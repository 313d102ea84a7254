#pragma once
/// `iscsiadm -m session` and `-m session -P 1|2|3` → one record per session: target IQN, portal,
/// SID, the connection and session states the kernel reports, the recovery timeout, and (at
/// -P 3) the SCSI disks attached for each LUN with their device state.

#include <optional>
#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct IscsiDisk {
  int host = -1;
  int lun = -1;
  std::string device;  // sda
  std::string state;   // running, blocked, transport-offline, offline
};

struct IscsiSession {
  std::string transport;  // tcp
  std::optional<int> sid;
  std::string target;
  std::string portal;  // "127.0.0.1:3260" (IPv6 keeps its brackets)
  std::optional<int> tpgt;
  std::string persistent_portal;
  std::string iface_ip;
  std::string connection_state;  // LOGGED IN, TRANSPORT WAIT, FREE, ...
  std::string session_state;     // LOGGED_IN, FAILED, FREE
  std::string internal_state;    // NO CHANGE, REOPEN
  std::optional<int> recovery_timeout;
  std::vector<IscsiDisk> disks;
};

struct IscsiSessionFacts {
  int detail_level = 0;  // 0 for the one-line form, 1..3 for -P
  std::vector<IscsiSession> sessions;
  ParseWarnings warnings;
};

/// `stderr_text` lets "iscsiadm: No active sessions." (exit 21) parse as zero sessions.
Result<IscsiSessionFacts> parse_iscsiadm_session(std::string_view text,
                                                 std::string_view source = "iscsiadm -m session",
                                                 std::string_view stderr_text = {});
void to_json(nlohmann::json& j, const IscsiSessionFacts& f);

/// "127.0.0.1:3260,1" → portal "127.0.0.1:3260" and tpgt 1.
void split_portal(std::string_view s, std::string& portal, std::optional<int>& tpgt);

}  // namespace stackdr
