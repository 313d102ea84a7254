#pragma once
/// The stack as Prometheus metrics (node_exporter's conventions: base units, `_total` for
/// counters, a label per identity, one series per state with value 1 for "which one"): every
/// node of the graph with its health, and per layer what an admin graphs — md arrays (state,
/// disks active/failed/spare, sync action and progress), iSCSI sessions (up, state), ZFS pools
/// and vdevs (state, read/write/checksum errors), the findings (scenario, cause), and what
/// the sweep read and how long each read took. Only what was read is a sample: a read that
/// failed leaves its series out (and stackdr_source_up says so), never a made-up zero.

#include "recover/view.h"
#include "watch/metrics_page.h"

namespace stackdr {

void add_stack_metrics(MetricsPage& page, const View& v, double sweep_seconds);

}  // namespace stackdr
