// The simulated hosts' system records: the journal as `journalctl -o json` prints it, and
// OpenZFS's ARC counters as /proc/spl/kstat/zfs/arcstats reads.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "probe/journal_json.h"
#include "sim/renderers.h"
#include "util/json_text.h"
#include "util/text.h"

namespace stackdr::sim {

namespace {

// -p's value: a level name or number, or a range "FROM..TO"; the most severe level shown is 0,
// the least severe `to`.
std::optional<int> priority_limit(std::string_view p) {
  if (auto dots = p.find(".."); dots != std::string_view::npos) p = p.substr(dots + 2);
  for (int i = 0; i < 8; ++i)
    if (p == priority_name(i) || p == std::to_string(i)) return i;
  return std::nullopt;
}

std::optional<double> at_time(std::string_view v) {
  if (v.empty() || v.front() != '@') return std::nullopt;
  return text::to_double(v.substr(1));
}

}  // namespace

Rendered render_journalctl(const SimState& s, const std::string& host, const std::vector<std::string>& argv) {
  bool kernel = false, json = false;
  std::string unit;
  int limit = 7;
  double since = 0, until = 1e18;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    const std::string next = i + 1 < argv.size() ? argv[i + 1] : "";
    if (a == "-k" || a == "--dmesg") {
      kernel = true;
    } else if (a == "-o" && next == "json") {
      json = true;
      ++i;
    } else if (a == "-u") {
      unit = next;
      ++i;
    } else if (a == "-p") {
      auto p = priority_limit(next);
      if (!p) return {"", fmt::format("Unknown log level {}\n", next), 1};
      limit = *p;
      ++i;
    } else if (a == "--since" || a == "--until") {
      auto t = at_time(next);
      if (!t) return {"", fmt::format("Failed to parse timestamp: {}\n", next), 1};
      (a == "--since" ? since : until) = *t;
      ++i;
    } else if (a == "-n") {
      ++i;  // the simulated journal is short
    }
  }
  if (!json) return {"", "the simulated journalctl prints only -o json\n", 1};
  std::string out;
  // The simulated hosts log nothing through their services' units: only journald (its start,
  // as a real journal always holds) and the kernel speak.
  if (!unit.empty()) return {out, "", 0};
  auto up = s.uptime.find(host);
  double boot = static_cast<double>(s.now) - (up == s.uptime.end() ? 0.0 : up->second);
  if (!kernel && limit >= 6 && boot >= since && boot <= until)
    out +=
        json_text(nlohmann::json{{"__REALTIME_TIMESTAMP", std::to_string(static_cast<int64_t>(boot * 1e6))},
                                 {"PRIORITY", "6"},
                                 {"SYSLOG_IDENTIFIER", "systemd-journald"},
                                 {"_HOSTNAME", host},
                                 {"MESSAGE", "Journal started"}}) +
        "\n";
  auto lines = s.kernel_log.find(host);
  auto meta = s.kernel_log_meta.find(host);
  if (lines == s.kernel_log.end() || meta == s.kernel_log_meta.end()) return {out, "", 0};
  for (size_t i = 0; i < lines->second.size() && i < meta->second.size(); ++i) {
    const auto& m = meta->second[i];
    if (m.priority > limit || m.at < since || m.at > until) continue;
    std::string_view line = lines->second[i];
    if (auto close = line.find("] "); !line.empty() && line.front() == '[' && close != std::string_view::npos)
      line.remove_prefix(close + 2);  // the dmesg stamp is not part of the journal's message
    nlohmann::json e{{"__REALTIME_TIMESTAMP", std::to_string(static_cast<int64_t>(m.at * 1e6))},
                     {"PRIORITY", std::to_string(m.priority)},
                     {"SYSLOG_FACILITY", "0"},
                     {"SYSLOG_IDENTIFIER", "kernel"},
                     {"_TRANSPORT", "kernel"},
                     {"_HOSTNAME", host},
                     {"MESSAGE", std::string(text::trim(line))}};
    out += json_text(e) + "\n";
  }
  return {out, "", 0};
}

std::string render_arcstats(const SimState& s) {
  // The counters grow with the simulated time, as a busy pool's would: about 96% hits.
  uint64_t t = static_cast<uint64_t>(std::max<int64_t>(s.now, 0) % 100000000);
  uint64_t hits = 4800 * t / 100 + 12345, misses = 200 * t / 100 + 678;
  uint64_t c_max = 201326592, size = c_max / 2 + (t % 1000) * 4096;
  std::string out = "13 1 0x01 147 39984 3604461522 1212398137383\n";
  out += fmt::format("{:<32}{:<5}{}\n", "name", "type", "data");
  auto row = [&](const char* name, uint64_t v) { out += fmt::format("{:<32}{:<5}{}\n", name, 4, v); };
  row("hits", hits);
  row("misses", misses);
  row("demand_data_hits", hits / 2);
  row("demand_data_misses", misses / 2);
  row("c", c_max);
  row("c_min", c_max / 8);
  row("c_max", c_max);
  row("size", size);
  row("arc_meta_used", size / 4);
  return out;
}

}  // namespace stackdr::sim
