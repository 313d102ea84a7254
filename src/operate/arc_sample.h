#pragma once
/// arc: the runbook's monthly "review performance metrics (arcstat)" as a task. A sample is
/// the ARC's size, target and ceiling and its hit and miss counters, read from the storage
/// server's /proc/spl/kstat/zfs/arcstats; the hit ratio is taken between two samples (the
/// counters run from the module's load), so each sample says how the cache did since the last.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "host/host.h"
#include "topology/topology.h"
#include "util/result.h"

namespace stackdr {

struct ArcSample {
  double at = 0;  // epoch seconds
  uint64_t size = 0, target = 0, ceiling = 0;
  uint64_t hits = 0, misses = 0;  // since the zfs module loaded
};

/// Reads the storage server's arcstats; an error when it cannot be read or lacks a counter.
Result<ArcSample> sample_arc(const Topology& t, const HostLookup& hosts, double now);

/// Hits over reads between `before` and `now`; when the counters went back (a reboot, the
/// module reloaded) the ratio since the load. nullopt when nothing was read in between.
std::optional<double> hit_ratio(const std::optional<ArcSample>& before, const ArcSample& now);

nlohmann::json arc_sample_json(const ArcSample& s);
std::optional<ArcSample> arc_sample_from_json(const nlohmann::json& j);

}  // namespace stackdr
