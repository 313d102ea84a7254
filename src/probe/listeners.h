#pragma once
/// `ss -Htln` → the TCP ports a host listens on, so "is the iSCSI target listening on 3260?"
/// is answered on the storage server itself (runbook Scenario 2, step 1).

#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct Listener {
  std::string state;    // LISTEN for listeners; ss -tn rows keep their state (ESTAB ...)
  std::string address;  // 127.0.0.1, 0.0.0.0, [::], *
  int port = 0;
};

struct ListenersFacts {
  std::vector<Listener> listeners;
  ParseWarnings warnings;
  bool listening_on(int port) const;
};

Result<ListenersFacts> parse_ss_listeners(std::string_view text, std::string_view source = "ss -tln");
void to_json(nlohmann::json& j, const ListenersFacts& f);

}  // namespace stackdr
