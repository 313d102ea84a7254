// What the daemon remembers of iSCSI sessions across sweeps (watch/session_history.h): since
// when a session is up, new logins, drops — and nothing changed by a sweep that could not read.

#include "watch/session_history.h"

#include <gtest/gtest.h>

namespace stackdr {
namespace {

Observation sweep(std::optional<std::vector<std::pair<int, std::string>>> sessions) {
  Observation o;
  KvmFacts& k = o.kvm["kvm01"];
  if (!sessions) return o;  // the read failed
  IscsiSessionFacts f;
  for (auto [sid, state] : *sessions) {
    IscsiSession s;
    s.sid = sid;
    s.target = "iqn.2003-01.lab:test02";
    s.portal = "192.0.2.1:3260";
    s.session_state = state;
    f.sessions.push_back(s);
  }
  k.sessions = f;
  return o;
}

std::string page(const SessionHistory& h) {
  MetricsPage p;
  h.add_metrics(p);
  return p.text();
}

constexpr const char* kLabels =
    "{host=\"kvm01\",target=\"iqn.2003-01.lab:test02\",portal=\"192.0.2.1:3260\"}";

TEST(SessionHistory, AgeLoginsAndDropsAcrossSweeps) {
  SessionHistory h;
  h.see(sweep({{{7, "LOGGED_IN"}}}), 100);
  h.see(sweep({{{7, "LOGGED_IN"}}}), 160);
  std::string p = page(h);
  EXPECT_NE(p.find(std::string("stackdr_iscsi_session_up_since_timestamp_seconds") + kLabels + " 100\n"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find(std::string("stackdr_iscsi_session_logins_total") + kLabels + " 0\n"), std::string::npos);

  h.see(sweep(std::nullopt), 200);  // not read: not gone
  EXPECT_NE(page(h).find(std::string("stackdr_iscsi_session_drops_total") + kLabels + " 0\n"),
            std::string::npos);

  h.see(sweep({{}}), 220);  // read, and the session is not there: logged out
  p = page(h);
  EXPECT_NE(p.find(std::string("stackdr_iscsi_session_drops_total") + kLabels + " 1\n"), std::string::npos)
      << p;
  EXPECT_EQ(p.find("stackdr_iscsi_session_up_since_timestamp_seconds{"), std::string::npos) << "down: no age";

  h.see(sweep({{{9, "LOGGED_IN"}}}), 260);  // logged in again: a new session id
  p = page(h);
  EXPECT_NE(p.find(std::string("stackdr_iscsi_session_logins_total") + kLabels + " 1\n"), std::string::npos)
      << p;
  EXPECT_NE(p.find(std::string("stackdr_iscsi_session_up_since_timestamp_seconds") + kLabels + " 260\n"),
            std::string::npos)
      << p;

  h.see(sweep({{{9, "FAILED"}}}), 300);  // the connection lost, the session kept
  EXPECT_NE(page(h).find(std::string("stackdr_iscsi_session_drops_total") + kLabels + " 2\n"),
            std::string::npos);
}

}  // namespace
}  // namespace stackdr
