#include <fmt/format.h>

#include "recover/plan_builder.h"

// The ZFS layer's plans: a zvol hidden or renamed away, a pool disk faulted or erroring (Scenario 3), and the
// scrub that verifies a replacement.

namespace stackdr::planning {

void PlanBuilder::zvol(const LunConfig& l) {
  const std::string& h = t_.storage.host;
  add("zfs.volmode:" + l.zvol, fmt::format("expose zvol {} again (volmode=dev)", l.zvol),
      "Scenario 1, Step 1: if zvol missing (fix volmode)", h, Safety::kSafe,
      // No "--": OpenZFS 2.1's `zfs set` takes no options and refuses it (found on the lab's
      // real pool); a dataset name begins with its pool's letter (name_rules), so it cannot be
      // read as an option.
      {"zfs", "set", "volmode=dev", l.zvol}, "the zvol has its device node", node_ok(node_id::zvol(l.zvol)))
      .rerun_safe = "setting a property to the value it has changes nothing";
  add("udev.trigger:" + l.zvol, "create the zvol's device node",
      "Scenario 1, Step 1: trigger device creation", h, Safety::kSafe,
      {"udevadm", "trigger", "--action=add", "--subsystem-match=block"}, "the zvol has its device node",
      node_ok(node_id::zvol(l.zvol)))
      .rerun_safe = "udev handles the same add event again and creates the same links";
}

void PlanBuilder::zvol_back(const LunConfig& l) {
  const Node* z = v_.node(node_id::zvol(l.zvol));
  if (!z || z->facts.renamed_to.empty()) {
    p_.escalate = "zvol " + l.zvol + " was renamed, but where to was not read again";
    return;
  }
  const std::string& moved = z->facts.renamed_to;
  Step& s = add("zfs.rename:" + l.zvol, fmt::format("rename {} back to {}", moved, l.zvol),
                "Scenario 1, Step 1: if zvol missing (the backstore's device path)", t_.storage.host,
                Safety::kDisruptive, {"zfs", "rename", "--", moved, l.zvol},
                "the zvol has its name and device node again", node_ok(node_id::zvol(l.zvol)));
  s.predict =
      fmt::format("{} has stackdr:lun={}: it is the volume lun create made for {}", moved, l.name, l.name);
}

void PlanBuilder::pool_disk(const std::string& disk, Cause cause) {
  const std::string& h = t_.storage.host;
  std::string id = node_id::pool_disk(t_.storage.pool, disk);
  Step& c = add("zpool.clear:" + disk, fmt::format("clear the errors of {}", disk),
                "Scenario 1, Step 1 / Scenario 3: zpool clear", h, Safety::kSafe,
                {"zpool", "clear", "--", t_.storage.pool, disk}, disk + " is ONLINE without errors",
                node_ok(id), 10);
  c.rerun_safe = "clearing error counts that are already clear changes nothing";
  c.best_effort = cause == Cause::kVdevFaulted;
  if (cause != Cause::kVdevFaulted) return;
  if (std::string under_way = replacing_with(v_, disk); !under_way.empty()) {
    // A replacement already runs (started by an earlier, interrupted run): wait for it; a
    // second `zpool replace` would be refused, or pick yet another disk.
    Step& w = add("zpool.resilver:" + disk, fmt::format("wait for {} to resilver onto {}", disk, under_way),
                  "Scenario 3, Step 3: resilver new disk", h, Safety::kRead, {},
                  "the resilver finished and the pool is ONLINE", resilvered(id), 48 * 3600);
    w.show_progress = true;
    scrub_pool();
    return;
  }
  std::string spare = c_.new_disk;
  for (const auto& d : t_.storage.spare_disks)
    if (spare.empty() && !pool_has(v_, d)) spare = d;
  if (spare.empty()) {
    Step& w = add("zpool.replace:" + disk, "replace the disk (operator)", "Scenario 3, Step 2: replace disk",
                  h, Safety::kRead, {}, disk + " is ONLINE", node_ok(id), 0);
    w.predict = fmt::format("no unused spare disk is named in the topology: put a new disk in and run `{}`",
                            c_.hints.verb("recover --new-disk /dev/disk/by-id/NAME"));
    return;
  }
  Step& r = add("zpool.replace:" + disk, fmt::format("replace {} with {}", disk, spare),
                "Scenario 3, Step 3: resilver new disk (zpool replace)", h, Safety::kDisruptive,
                {"zpool", "replace", "--", t_.storage.pool, disk, spare},
                "the resilver finished and the pool is ONLINE", resilvered(id), 48 * 3600);
  r.show_progress = true;
  r.predict = "ZFS resilvers only allocated data onto " + spare;

  scrub_pool();
}

Check PlanBuilder::resilvered(const std::string& disk_id) const {
  return [pool = node_id::pool(t_.storage.pool), disk_id](const View& v) -> std::string {
    if (v.node(disk_id) && v.not_ok(disk_id).size()) return v.not_ok(disk_id);
    return v.not_ok(pool);
  };
}

void PlanBuilder::scrub_pool() {
  const std::string pool = t_.storage.pool;
  Step& scrub = add(
      "zpool.scrub", "scrub the pool to verify every block", "Scenario 3, Step 4: scrub to verify",
      t_.storage.host, Safety::kSafe, {"zpool", "scrub", "--", pool}, "the scrub finished with no errors",
      [pool](const View& v) { return scrub_state(v, pool).waiting; }, 48 * 3600);
  scrub.gave_up = [pool](const View& v) { return scrub_state(v, pool).failed; };
  scrub.show_progress = true;
  scrub.resume_check = "scrub-finished";
  // A `zpool scrub` refused because one runs already is fine: the check follows that one.
  scrub.rerun_safe = "zpool refuses a second scrub while one runs, and a scrub only reads";
}

}  // namespace stackdr::planning
