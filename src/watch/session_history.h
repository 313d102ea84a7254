#pragma once
/// SessionHistory: what the daemon remembers of each iSCSI session across its sweeps, for the
/// metrics one sweep cannot give — since when the session has been logged in (its age), how
/// many times a new session was logged in for the same target and portal (a new session id),
/// and how many times a session that was up was seen down or gone. A sweep whose session read
/// failed changes nothing: not seen is not gone.

#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "probe/observation.h"
#include "watch/metrics_page.h"

namespace stackdr {

class SessionHistory {
 public:
  /// One sweep's sessions, at wall clock `now`.
  void see(const Observation& o, double now);
  /// stackdr_iscsi_session_up_since_timestamp_seconds, _logins_total and _drops_total.
  void add_metrics(MetricsPage& p) const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // host, target, portal
  struct Seen {
    std::optional<int> sid;
    bool up = false;
    double up_since = 0;  // 0: not up
    long logins = 0, drops = 0;
  };
  std::map<Key, Seen> sessions_;
};

}  // namespace stackdr
