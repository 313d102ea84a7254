#include "probe/iscsi_sysfs.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

Result<IscsiSysfsFacts> parse_iscsi_sysfs(std::string_view input, std::string_view source) {
  IscsiSysfsFacts f;
  IscsiSysfsConnection* conn = nullptr;
  auto lines = text::lines(input);
  for (size_t i = 0; i < lines.size(); ++i) {
    int ln = static_cast<int>(i + 1);
    std::string_view line = lines[i];
    auto t = text::trim(line);
    if (t.empty()) continue;
    auto w = text::fields(t);
    auto kv = [&](std::string_view tok, std::string_view& k, std::string_view& v) {
      size_t eq = tok.find('=');
      if (eq == std::string_view::npos) return false;
      k = tok.substr(0, eq);
      v = tok.substr(eq + 1);
      return true;
    };
    std::string_view k, v;
    if (text::starts_with(t, "/sys/class/iscsi_session/")) {
      IscsiSysfsSession s;
      s.name = std::string(w[0].substr(w[0].rfind('/') + 1));
      for (size_t n = 1; n < w.size(); ++n) {
        if (!kv(w[n], k, v))
          return parse_error(source, ln, fmt::format("expected key=value, got '{}'", w[n]));
        if (k == "targetname")
          s.targetname = v;
        else if (k == "state")
          s.state = v;
        else if (k == "recovery_tmo")
          s.recovery_tmo = static_cast<int>(text::to_int(v).value_or(-1));
      }
      f.sessions.push_back(std::move(s));
      conn = nullptr;
    } else if (text::starts_with(t, "/sys/class/iscsi_connection/")) {
      f.connections.push_back({std::string(w[0].substr(w[0].rfind('/') + 1)), "", "", "", {}, {}});
      conn = &f.connections.back();
    } else if (line.front() == ' ' && conn && w.size() == 1 && kv(w[0], k, v)) {
      if (k == "address")
        conn->address = v;
      else if (k == "persistent_address")
        conn->persistent_address = v;
      else if (k == "state")
        conn->state = v;
      else if (k == "port")
        conn->port = static_cast<int>(text::to_int(v).value_or(-1));
      else if (k == "persistent_port")
        conn->persistent_port = static_cast<int>(text::to_int(v).value_or(-1));
    } else if (w.size() == 2 && kv(w[1], k, v) && k == "device/state") {
      f.disk_states.emplace_back(std::string(w[0]), std::string(v));
      conn = nullptr;
    } else {
      f.warnings.push_back({ln, std::string(line), "unrecognised line"});
    }
  }
  if (f.sessions.empty() && f.connections.empty() && f.disk_states.empty() && !text::trim(input).empty())
    return parse_error(source, 0, "no iSCSI sysfs entry found");
  return f;
}

void to_json(nlohmann::json& j, const IscsiSysfsFacts& f) {
  auto opt = [](const auto& o) { return o ? nlohmann::json(*o) : nlohmann::json(); };
  j = nlohmann::json::object();
  j["sessions"] = nlohmann::json::array();
  for (const auto& s : f.sessions)
    j["sessions"].push_back({{"name", s.name},
                             {"targetname", s.targetname},
                             {"state", s.state},
                             {"recovery_tmo", opt(s.recovery_tmo)}});
  j["connections"] = nlohmann::json::array();
  for (const auto& c : f.connections)
    j["connections"].push_back(
        {{"name", c.name}, {"address", c.address}, {"port", opt(c.port)}, {"state", c.state}});
  j["disk_states"] = nlohmann::json::object();
  for (const auto& [d, s] : f.disk_states) j["disk_states"][d] = s;
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
