#include "recover/status_json.h"

#include "diagnose/diagnoser.h"
#include "diagnose/report_json.h"

namespace stackdr {

nlohmann::json status_json(const View& v, const std::string& mode, bool diagnose_view) {
  nlohmann::json j{{"status", status_word(v.status)},
                   {"code", v.status},
                   {"mode", mode},
                   {"findings", findings_json(v.findings)},
                   {"unexplained", unexplained_json(v.graph)}};
  if (!diagnose_view) j["nodes"] = graph_json(v.graph);
  nlohmann::json unreadable = nlohmann::json::array();
  for (const auto& s : v.observation.sources)
    if (!s.ok) unreadable.push_back({{"host", s.host}, {"source", s.source}, {"error", s.error}});
  j["unreadable"] = unreadable;
  // The daemon's sweeps leave a whole array's member superblocks for their turn (observer.h):
  // said, so a reader of /status knows they were not read now, and not taken for failures.
  nlohmann::json later = nlohmann::json::array();
  for (const auto& [host, k] : v.observation.kvm)
    for (const auto& [disk, why] : k.examine_deferred)
      later.push_back({{"host", host}, {"source", "mdadm --examine /dev/" + disk}, {"why", why}});
  if (!later.empty()) j["left_for_their_turn"] = later;
  return j;
}

}  // namespace stackdr
