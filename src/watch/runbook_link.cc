#include "watch/runbook_link.h"

#include <cctype>
#include <map>

#include "util/text.h"

namespace stackdr {

std::string heading_slug(std::string_view heading) {
  std::string out;
  for (char c : heading) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u))
      out += static_cast<char>(std::tolower(u));
    else if (c == ' ' || c == '-')
      out += '-';
    else if (c == '_')
      out += '_';
  }
  return out;
}

std::string runbook_url(int scenario, std::string_view reference, std::string_view runbook) {
  std::string base = "file://" + std::string(kRunbookInstalled);
  // "Step N" from the reference, when it names one.
  std::string step;
  if (auto at = reference.find("Step "); at != std::string_view::npos) {
    size_t end = at + 5;
    while (end < reference.size() && std::isdigit(static_cast<unsigned char>(reference[end]))) ++end;
    if (end > at + 5) step = std::string(reference.substr(at, end - at)) + ":";
  }
  // Walk the headings as a viewer numbers them: a repeated slug gets -1, -2, ...
  std::map<std::string, int> seen;
  std::string in_scenario, found;
  std::string scenario_prefix = "Scenario " + std::to_string(scenario) + ":";
  for (auto line : text::lines(runbook)) {
    if (line.empty() || line[0] != '#') continue;
    size_t level = line.find_first_not_of('#');
    if (level == std::string_view::npos || line[level] != ' ') continue;
    std::string heading(text::trim(line.substr(level)));
    std::string slug = heading_slug(heading);
    int n = seen[slug]++;
    if (n) slug += "-" + std::to_string(n);
    if (level == 2) {
      if (text::starts_with(heading, scenario_prefix)) {
        in_scenario = slug;
        if (step.empty()) return base + "#" + slug;
      } else if (!in_scenario.empty()) {
        break;  // past the scenario: no such step in it
      }
      continue;
    }
    if (!in_scenario.empty() && !step.empty() && text::starts_with(heading, step)) return base + "#" + slug;
  }
  return in_scenario.empty() ? base : base + "#" + in_scenario;
}

}  // namespace stackdr
