#include "watch/session_history.h"

#include <set>

namespace stackdr {

void SessionHistory::see(const Observation& o, double now) {
  for (const auto& [host, k] : o.kvm) {
    if (!k.sessions) continue;  // not read: nothing is known to have changed
    std::set<Key> present;
    for (const auto& s : k.sessions->sessions) {
      Key key{host, s.target, s.portal};
      present.insert(key);
      bool up = s.session_state == "LOGGED_IN";
      auto [it, first] = sessions_.try_emplace(key);
      Seen& seen = it->second;
      bool new_login = !first && s.sid && seen.sid && *s.sid != *seen.sid;
      if (new_login) seen.logins++;
      if (seen.up && (!up || new_login)) seen.drops += !up ? 1 : 0;
      if (up && (!seen.up || new_login)) seen.up_since = now;
      if (!up) seen.up_since = 0;
      seen.up = up;
      if (s.sid) seen.sid = s.sid;
    }
    // A session this host's read no longer lists is gone: a drop when it was up.
    for (auto& [key, seen] : sessions_)
      if (std::get<0>(key) == host && !present.count(key) && seen.up) {
        seen.up = false;
        seen.up_since = 0;
        seen.drops++;
      }
  }
}

void SessionHistory::add_metrics(MetricsPage& p) const {
  p.family("stackdr_iscsi_session_up_since_timestamp_seconds", "gauge",
           "Since when the daemon has seen the iSCSI session logged in (unix time; its age is time() minus "
           "this).");
  p.family("stackdr_iscsi_session_logins_total", "counter",
           "New sessions (a new session id) the daemon saw for the target and portal since it started.");
  p.family("stackdr_iscsi_session_drops_total", "counter",
           "Times the daemon saw the session down or gone after it was logged in.");
  for (const auto& [key, seen] : sessions_) {
    MetricsPage::Labels l = {
        {"host", std::get<0>(key)}, {"target", std::get<1>(key)}, {"portal", std::get<2>(key)}};
    if (seen.up) p.sample("stackdr_iscsi_session_up_since_timestamp_seconds", l, seen.up_since);
    p.sample("stackdr_iscsi_session_logins_total", l, static_cast<double>(seen.logins));
    p.sample("stackdr_iscsi_session_drops_total", l, static_cast<double>(seen.drops));
  }
}

}  // namespace stackdr
