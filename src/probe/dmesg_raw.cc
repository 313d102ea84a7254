#include "probe/dmesg_raw.h"

#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr {

Result<DmesgRawFacts> parse_dmesg_raw(std::string_view input, std::string_view source) {
  DmesgRawFacts f;
  auto lines = text::lines(input);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (text::trim(l).empty()) continue;
    size_t gt = l.find('>');
    size_t open = l.find('[');
    size_t close = l.find(']');
    auto pri = l.size() > 2 && l.front() == '<' && gt != std::string_view::npos
                   ? text::to_int(l.substr(1, gt - 1))
                   : std::nullopt;
    auto secs = pri && open == gt + 1 && close != std::string_view::npos && close > open
                    ? text::to_double(text::trim(l.substr(open + 1, close - open - 1)))
                    : std::nullopt;
    if (!pri || !secs || *pri < 0) {
      if (!f.records.empty() && !l.empty() && (l.front() == ' ' || l.front() == '\t')) {
        f.records.back().message += "\n" + std::string(text::trim(l));  // a record's second line
        continue;
      }
      f.warnings.push_back(
          {static_cast<int>(i + 1), std::string(l.substr(0, 200)), "expected <N>[SECONDS] MESSAGE"});
      continue;
    }
    std::string_view msg = l.substr(close + 1);
    if (!msg.empty() && msg.front() == ' ') msg.remove_prefix(1);
    f.records.push_back({static_cast<int>(*pri & 7), *secs, std::string(msg)});
  }
  if (f.records.empty() && !f.warnings.empty())
    return parse_error(source, f.warnings.front().line, "not dmesg --raw output: " + f.warnings.front().text);
  return f;
}

void to_json(nlohmann::json& j, const DmesgRawFacts& f) {
  j = nlohmann::json::object();
  j["records"] = nlohmann::json::array();
  for (const auto& r : f.records)
    j["records"].push_back({{"priority", r.priority}, {"since_boot", r.since_boot}, {"message", r.message}});
  j["warnings"] = f.warnings;
}

std::optional<double> boot_time(std::string_view proc_stat) {
  for (auto line : text::lines(proc_stat)) {
    auto w = text::fields(line);
    if (w.size() == 2 && w[0] == "btime")
      if (auto v = text::to_int(w[1]); v && *v > 0) return static_cast<double>(*v);
  }
  return std::nullopt;
}

}  // namespace stackdr
