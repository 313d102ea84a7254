#include "operate/arc_sample.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "probe/arcstats.h"

namespace stackdr {

namespace {
constexpr const char* kArcstats = "/proc/spl/kstat/zfs/arcstats";
}  // namespace

Result<ArcSample> sample_arc(const Topology& t, const HostLookup& hosts, double now) {
  Host* h = hosts(t.storage.host);
  if (!h) return Error{fmt::format("{}: the storage host cannot be reached", t.storage.host)};
  auto text = h->read_file(kArcstats);
  if (!text)
    return Error{fmt::format("{}: {} could not be read ({}); is the zfs module loaded?", t.storage.host,
                             kArcstats, text.error().message)};
  auto a = parse_arcstats(*text, fmt::format("{}:{}", t.storage.host, kArcstats));
  if (!a) return a.error();
  ArcSample s;
  s.at = now;
  const std::pair<const char*, uint64_t*> wanted[] = {
      {"size", &s.size}, {"c", &s.target}, {"c_max", &s.ceiling}, {"hits", &s.hits}, {"misses", &s.misses}};
  for (auto [name, out] : wanted) {
    auto v = a->get(name);
    if (!v) return Error{fmt::format("{}:{} has no '{}' counter", t.storage.host, kArcstats, name)};
    *out = *v;
  }
  return s;
}

std::optional<double> hit_ratio(const std::optional<ArcSample>& before, const ArcSample& now) {
  uint64_t hits = now.hits, misses = now.misses;
  if (before && now.hits >= before->hits && now.misses >= before->misses) {
    hits -= before->hits;
    misses -= before->misses;
  }
  if (hits + misses == 0) return std::nullopt;
  return static_cast<double>(hits) / static_cast<double>(hits + misses);
}

nlohmann::json arc_sample_json(const ArcSample& s) {
  return {{"at", s.at},           {"size", s.size}, {"target", s.target},
          {"ceiling", s.ceiling}, {"hits", s.hits}, {"misses", s.misses}};
}

std::optional<ArcSample> arc_sample_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  ArcSample s;
  try {
    s.at = j.at("at").get<double>();
    s.size = j.at("size").get<uint64_t>();
    s.target = j.at("target").get<uint64_t>();
    s.ceiling = j.at("ceiling").get<uint64_t>();
    s.hits = j.at("hits").get<uint64_t>();
    s.misses = j.at("misses").get<uint64_t>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a line of another version, or damaged: not a sample
  }
  return s;
}

}  // namespace stackdr
