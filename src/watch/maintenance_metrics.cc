#include "watch/maintenance_metrics.h"

#include <map>
#include <nlohmann/json.hpp>

#include "operate/maintenance_records.h"

namespace stackdr {

namespace {

void add_log_review(MetricsPage& p, const std::string& dir) {
  auto r = last_log_review(dir);
  if (!r) return;
  std::map<std::tuple<std::string, std::string, std::string>, double> counts;
  for (const auto& g : (*r)["groups"])
    if (g.is_object())
      counts[{g.value("host", ""), g.value("source", ""), g.value("level", "")}] += g.value("count", 0.0);
  p.family("stackdr_log_review_messages", "gauge",
           "Errors and warnings the last log review found (maintain log-review), by host, source and level.");
  for (const auto& [k, n] : counts)
    p.sample("stackdr_log_review_messages",
             {{"host", std::get<0>(k)}, {"source", std::get<1>(k)}, {"level", std::get<2>(k)}}, n);
  p.family("stackdr_log_review_unread", "gauge", "Journals the last log review could not read.");
  p.sample("stackdr_log_review_unread", {}, static_cast<double>((*r)["unread"].size()));
  p.family("stackdr_log_review_timestamp_seconds", "gauge",
           "The end of the last log review's window (unix time).");
  p.sample("stackdr_log_review_timestamp_seconds", {}, r->value("until", 0.0));
}

void add_arc(MetricsPage& p, const std::string& dir) {
  std::vector<ArcSample> s = arc_samples(dir);
  if (s.empty()) return;
  const ArcSample& last = s.back();
  p.family("stackdr_arc_size_bytes", "gauge", "The ZFS ARC's size at the last sample (maintain arc).");
  p.sample("stackdr_arc_size_bytes", {}, static_cast<double>(last.size));
  p.family("stackdr_arc_target_bytes", "gauge", "The ARC's target size (c) at the last sample.");
  p.sample("stackdr_arc_target_bytes", {}, static_cast<double>(last.target));
  p.family("stackdr_arc_max_bytes", "gauge", "The ARC's ceiling (c_max, zfs_arc_max) at the last sample.");
  p.sample("stackdr_arc_max_bytes", {}, static_cast<double>(last.ceiling));
  std::optional<ArcSample> before;
  if (s.size() >= 2) before = s[s.size() - 2];
  if (auto ratio = hit_ratio(before, last)) {
    p.family("stackdr_arc_hit_ratio", "gauge", "ARC hits over reads between the last two samples.");
    p.sample("stackdr_arc_hit_ratio", {}, *ratio);
  }
  p.family("stackdr_arc_sample_timestamp_seconds", "gauge",
           "When the last ARC sample was taken (unix time).");
  p.sample("stackdr_arc_sample_timestamp_seconds", {}, last.at);
}

}  // namespace

void add_maintenance_metrics(MetricsPage& p, const std::string& dir) {
  if (dir.empty()) return;
  add_log_review(p, dir);
  add_arc(p, dir);
}

}  // namespace stackdr
