#include "probe/iscsiadm_session.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

void split_portal(std::string_view s, std::string& portal, std::optional<int>& tpgt) {
  size_t comma = s.rfind(',');
  portal = std::string(s.substr(0, comma));
  if (comma != std::string_view::npos) {
    if (auto n = text::to_int(s.substr(comma + 1))) tpgt = static_cast<int>(*n);
  }
}

namespace {

std::string_view strip_flash(std::string_view s) {
  s = text::trim(s);
  if (text::ends_with(s, "(non-flash)"))
    s = text::trim(s.substr(0, s.size() - 11));
  else if (text::ends_with(s, "(flash)"))
    s = text::trim(s.substr(0, s.size() - 7));
  return s;
}

// "tcp: [1] 127.0.0.1:3260,1 iqn.... (non-flash)"
bool parse_one_line(std::string_view line, IscsiSession& s) {
  auto f = text::fields(line);
  if (f.size() < 4 || !text::ends_with(f[0], ":") || f[1].front() != '[' || f[1].back() != ']') return false;
  s.transport = std::string(f[0].substr(0, f[0].size() - 1));
  auto sid = text::to_int(f[1].substr(1, f[1].size() - 2));
  if (!sid) return false;
  s.sid = static_cast<int>(*sid);
  split_portal(f[2], s.portal, s.tpgt);
  s.target = std::string(f[3]);
  return true;
}

// A line of a session's "Attached SCSI devices:" block (-P 3): its host number, a LUN, the
// LUN's disk. False: none of those.
bool attached_device_line(std::string_view t, int& host, int& lun, IscsiSession& s) {
  auto w = text::fields(t);
  if (text::starts_with(t, "Host Number:") && w.size() >= 3) {
    host = static_cast<int>(text::to_int(w[2]).value_or(-1));
  } else if (w.size() >= 7 && text::starts_with(w[0], "scsi") && w[5] == "Lun:") {
    lun = static_cast<int>(text::to_int(w[6]).value_or(-1));
  } else if (text::starts_with(t, "Attached scsi disk") && w.size() >= 4) {
    IscsiDisk d{host, lun, std::string(w[3]), ""};
    if (w.size() >= 6 && w[4] == "State:") d.state = std::string(w[5]);
    s.disks.push_back(d);
  } else {
    return false;
  }
  return true;
}

// A "Key: value" line of a session's detail (-P 1 and up); the keys not needed are passed over.
void session_field(std::string_view t, IscsiSession& cur, int& detail_level) {
  size_t colon = t.find(": ");
  std::string_view key = colon == std::string_view::npos
                             ? text::trim(t.substr(0, t.size() - (t.back() == ':')))
                             : t.substr(0, colon);
  std::string_view value =
      colon == std::string_view::npos ? std::string_view() : text::trim(t.substr(colon + 2));
  if (key == "Persistent Portal")
    cur.persistent_portal = std::string(value.substr(0, value.rfind(',')));
  else if (key == "SID")
    cur.sid = static_cast<int>(text::to_int(value).value_or(-1));
  else if (key == "iSCSI Connection State")
    cur.connection_state = value;
  else if (key == "iSCSI Session State")
    cur.session_state = value;
  else if (key == "Internal iscsid Session State")
    cur.internal_state = value;
  else if (key == "Iface IPaddress")
    cur.iface_ip = value;
  else if (key == "Recovery Timeout") {
    cur.recovery_timeout = static_cast<int>(text::to_int(value).value_or(-1));
    detail_level = std::max(detail_level, 2);
  }
  // Interface, timeout, CHAP and negotiated-parameter lines are known and not needed here.
}

}  // namespace

Result<IscsiSessionFacts> parse_iscsiadm_session(std::string_view input, std::string_view source,
                                                 std::string_view err) {
  IscsiSessionFacts f;
  auto lines = text::lines(input);
  std::string target;
  // The session being described, as an index: f.sessions grows (and moves) as lines come, so a
  // pointer into it would dangle after the next session is added.
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t cur_index = kNone;
  auto current = [&]() -> IscsiSession& { return f.sessions[cur_index]; };
  bool in_disks = false;
  int cur_lun = -1, cur_host = -1;
  for (size_t i = 0; i < lines.size(); ++i) {
    int ln = static_cast<int>(i + 1);
    std::string_view line = lines[i];
    std::string_view t = text::trim(line);
    if (t.empty() || text::starts_with(t, "****")) continue;
    if (text::starts_with(t, "iSCSI Transport Class version") || text::starts_with(t, "version ")) {
      f.detail_level = 3;
      continue;
    }
    if (text::starts_with(t, "Target: ")) {
      if (f.detail_level == 0) f.detail_level = 1;
      target = std::string(strip_flash(t.substr(8)));
      cur_index = kNone;
      continue;
    }
    if (text::starts_with(t, "Current Portal:")) {
      cur_index = f.sessions.size();
      IscsiSession& s = f.sessions.emplace_back();
      s.target = target;
      s.transport = "tcp";
      split_portal(text::trim(t.substr(15)), s.portal, s.tpgt);
      in_disks = false;
      continue;
    }
    if (f.detail_level == 0) {
      IscsiSession s;
      if (parse_one_line(t, s)) {
        f.sessions.push_back(std::move(s));
        continue;
      }
      if (text::starts_with(t, "iscsiadm:")) {
        f.warnings.push_back({ln, std::string(t), "iscsiadm message"});
        continue;
      }
      return parse_error(source, ln, fmt::format("expected 'tcp: [SID] PORTAL,TPGT TARGET', got '{}'", t));
    }
    if (cur_index == kNone) {
      f.warnings.push_back({ln, std::string(line), "line outside a session"});
      continue;
    }
    if (text::starts_with(t, "Attached SCSI devices:")) {
      in_disks = true;
      f.detail_level = 3;
      continue;
    }
    if (in_disks) {
      if (!attached_device_line(t, cur_host, cur_lun, current()))
        f.warnings.push_back({ln, std::string(line), "unknown line among attached devices"});
      continue;
    }
    session_field(t, current(), f.detail_level);
  }
  if (f.sessions.empty() && !text::contains(err, "No active sessions") && !text::trim(input).empty())
    return parse_error(source, 0, "no session found in non-empty output");
  return f;
}

void to_json(nlohmann::json& j, const IscsiSessionFacts& f) {
  j = nlohmann::json::object();
  j["detail_level"] = f.detail_level;
  j["sessions"] = nlohmann::json::array();
  for (const auto& s : f.sessions) {
    nlohmann::json js{
        {"transport", s.transport},
        {"sid", s.sid ? nlohmann::json(*s.sid) : nlohmann::json()},
        {"target", s.target},
        {"portal", s.portal},
        {"tpgt", s.tpgt ? nlohmann::json(*s.tpgt) : nlohmann::json()},
        {"session_state", s.session_state},
        {"connection_state", s.connection_state},
        {"internal_state", s.internal_state},
        {"recovery_timeout", s.recovery_timeout ? nlohmann::json(*s.recovery_timeout) : nlohmann::json()}};
    js["disks"] = nlohmann::json::array();
    for (const auto& d : s.disks)
      js["disks"].push_back({{"device", d.device}, {"lun", d.lun}, {"host", d.host}, {"state", d.state}});
    j["sessions"].push_back(js);
  }
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
