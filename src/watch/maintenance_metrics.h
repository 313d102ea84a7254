#pragma once
/// The light maintenance tasks' last findings on /metrics, read from what they keep in the
/// state folder (operate/maintenance_records.h): the log review's messages by host, source and
/// level, and the ARC's size and hit ratio from its last samples. Nothing kept: no samples.

#include <string>

#include "watch/metrics_page.h"

namespace stackdr {

void add_maintenance_metrics(MetricsPage& p, const std::string& state_dir);

}  // namespace stackdr
