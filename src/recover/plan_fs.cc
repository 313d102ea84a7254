#include <fmt/format.h>

#include "recover/plan_builder.h"

// The filesystem's plans: unmounted, checked and mounted again.

namespace stackdr::planning {

void PlanBuilder::umount(const FilesystemSite& f, const std::string& runbook) {
  add("fs.umount:" + f.host + ":" + f.mountpoint, fmt::format("unmount {} on {}", f.mountpoint, f.owner),
      runbook, f.host, Safety::kDisruptive, {"umount", "--", f.mountpoint}, f.mountpoint + " is unmounted",
      fs_unmounted(f));
}

void PlanBuilder::fsck_and_mount(const FilesystemSite& f) {
  Step& fsck = add("fs.fsck:" + f.host + ":" + f.mountpoint, fmt::format("check {} on {}", f.device, f.owner),
                   "Scenario 4, Step 2: fsck", f.host, Safety::kDisruptive, {"e2fsck", "-fy", "--", f.device},
                   "the filesystem is mounted read-write", node_ok(node_id::filesystem(f)));
  fsck.best_effort = true;
  // Checked twice, an unmounted filesystem is repaired once: the second run finds it clean.
  // (Never beside a running one: --resume first looks for its process.)
  fsck.rerun_safe = "e2fsck -fy on the unmounted filesystem it already repaired finds nothing to fix";
  add("fs.mount:" + f.host + ":" + f.mountpoint, fmt::format("mount {} on {}", f.mountpoint, f.owner),
      "Scenario 5: remount", f.host, Safety::kSafe, {"mount", "--", f.device, f.mountpoint},
      "the filesystem is mounted read-write", node_ok(node_id::filesystem(f)));
}

void PlanBuilder::filesystem(const FilesystemSite& f, Cause cause) {
  if (cause == Cause::kFsReadonly) umount(f, "Scenario 5: remount (after fsck)");
  fsck_and_mount(f);
}

}  // namespace stackdr::planning
