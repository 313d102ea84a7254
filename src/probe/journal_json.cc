#include "probe/journal_json.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

namespace {

// A field journalctl may print as a string, as an array of byte values (not UTF-8), or as
// null (larger than it prints without --all).
std::string field_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    for (const auto& b : v)
      if (b.is_number_unsigned() && b.get<uint64_t>() < 256) out += static_cast<char>(b.get<uint64_t>());
    return out;
  }
  if (v.is_null()) return "(a message too large for journalctl to print without --all)";
  return v.dump();
}

}  // namespace

const char* priority_name(int p) {
  static const char* names[] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};
  return p >= 0 && p <= 7 ? names[p] : "unknown";
}

Result<JournalFacts> parse_journal_json(std::string_view input, std::string_view source) {
  JournalFacts f;
  auto lines = text::lines(input);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto t = text::trim(lines[i]);
    if (t.empty() || t == "-- No entries --") continue;
    auto j = nlohmann::json::parse(t, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      f.warnings.push_back({static_cast<int>(i + 1), std::string(t.substr(0, 200)), "not a JSON object"});
      continue;
    }
    JournalEntry e;
    auto ts = j.find("__REALTIME_TIMESTAMP");
    auto us = ts != j.end() && ts->is_string() ? text::to_int(ts->get<std::string>()) : std::nullopt;
    if (!us || *us < 0) {
      f.warnings.push_back(
          {static_cast<int>(i + 1), std::string(t.substr(0, 200)), "no __REALTIME_TIMESTAMP"});
      continue;
    }
    e.at = static_cast<double>(*us) / 1e6;
    if (auto p = j.find("PRIORITY"); p != j.end() && p->is_string())
      if (auto n = text::to_int(p->get<std::string>()); n && *n >= 0 && *n <= 7)
        e.priority = static_cast<int>(*n);
    if (auto u = j.find("_SYSTEMD_UNIT"); u != j.end()) e.unit = field_text(*u);
    if (auto s = j.find("SYSLOG_IDENTIFIER"); s != j.end()) e.identifier = field_text(*s);
    if (auto m = j.find("MESSAGE"); m != j.end()) e.message = field_text(*m);
    f.entries.push_back(std::move(e));
  }
  // Output that is neither entries nor journalctl's "no entries" (an error text, another
  // format) is not a review with nothing in it.
  if (f.entries.empty() && !f.warnings.empty())
    return parse_error(source, f.warnings.front().line,
                       "not journalctl -o json output: " + f.warnings.front().text);
  return f;
}

void to_json(nlohmann::json& j, const JournalFacts& f) {
  j = nlohmann::json::object();
  j["entries"] = nlohmann::json::array();
  for (const auto& e : f.entries)
    j["entries"].push_back({{"at", e.at},
                            {"priority", e.priority},
                            {"unit", e.unit},
                            {"identifier", e.identifier},
                            {"message", e.message}});
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
