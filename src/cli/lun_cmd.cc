#include "cli/lun_cmd.h"

#include <fmt/format.h>

#include <iostream>

#include "cli/exit_codes.h"
#include "host/clock.h"
#include "operate/lun_list.h"
#include "recover/view.h"
#include "util/json_text.h"

namespace stackdr {

namespace {

ObserveOptions lun_observe() {
  ObserveOptions o;
  o.settings = true;  // node records and the saved LIO configuration: steps check them
  o.kernel_log = false;
  return o;
}

}  // namespace

int cmd_lun(const LunCliOptions& o) {
  auto ctx = StackContext::open(o.task.context);
  if (!ctx) return fail(kExitUsage, ctx.error().message);
  const Topology& t = (*ctx)->topology();
  if (o.verb == "list") {
    ObserveOptions obs;
    obs.kernel_log = false;
    View v = take_view(t, (*ctx)->hosts(), obs);
    auto rows = lun_rows(t, v);
    // LUNs LIO runs that the topology does not name: swept again with them in it, so their
    // zvols, sessions and disks are read too.
    Topology all = t;
    for (const auto& row : rows)
      if (!row.in_topology && !row.zvol.empty()) {
        LunRequest req;
        req.name = row.name;
        req.target = row.target;
        req.lun = row.lun;
        req.zvol = row.zvol;
        if (auto l = lun_for(all, req)) all = with_lun(all, *l);
      }
    if (all.luns.size() != t.luns.size()) {
      rows = lun_rows(all, take_view(all, (*ctx)->hosts(), obs));
      for (auto& row : rows) row.in_topology = t.lun(row.name) != nullptr;
    }
    if (o.task.json)
      std::cout << json_text(lun_rows_json(rows), 2) << "\n";
    else
      std::cout << lun_rows_text(rows);
    return 0;
  }
  LunRequest r = o.request;
  if (!o.size.empty()) {
    auto size = parse_lun_size(o.size);
    if (!size) return fail(kExitUsage, size.error().message);
    r.size = *size;
  }
  if (o.verb != "create" && !t.lun(r.name)) {
    // Remove and resize act on a LUN the topology names or LIO runs: found by its backstore.
    ObserveOptions obs;
    obs.kernel_log = false;
    View v = take_view(t, (*ctx)->hosts(), obs);
    // The undeclared LUN as LIO runs it: its target, number and zvol (one join of the sweep).
    bool known = false;
    for (const auto& row : lun_rows(t, v))
      if (row.name == r.name) {
        known = true;
        r.target = row.target;
        r.lun = row.lun;
        r.zvol = row.zvol;
      }
    if (!known) return fail(kExitUsage, fmt::format("no LUN {} (see `stackdr lun list`)", r.name));
  }
  auto lun = lun_for(t, r);
  if (!lun) return fail(kExitUsage, lun.error().message);
  Topology with = with_lun(t, *lun);
  Task task;
  if (o.verb == "create") {
    task = lun_create_task(with, *lun, r);
  } else if (o.verb == "remove") {
    r.now = LiveClock().now();
    task = lun_remove_task(with, *lun, r);
  } else {
    task = lun_resize_task(with, *lun, *r.size);
  }
  // The task runs against the topology with the LUN in it: the sweeps read its zvol, backstore,
  // session and disk, and the interlocks know it.
  int code = run_task_cli(o.task, **ctx, std::move(task), lun_observe(), &with);
  if (code == 0 && o.verb == "create" && !t.lun(r.name) && !o.task.json && !o.task.dry_run)
    std::cout << "add it to the topology for stackdr to watch it:\n" << topology_snippet(*lun);
  return code;
}

}  // namespace stackdr
