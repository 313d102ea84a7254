#pragma once
/// Builds one plan: the steps that repair a finding, added in the runbook's order by the
/// layer the finding is about. Each layer's steps are in their own file (plan_zfs.cc,
/// plan_lio.cc, plan_iscsi.cc, plan_md.cc, plan_fs.cc, plan_vm.cc); planner.cc picks the layer
/// from the finding's cause. A plan that cannot be made safely sets `escalate` (and clears the
/// steps) instead.

#include <optional>
#include <string>

#include "recover/plan_reads.h"
#include "recover/planner.h"

namespace stackdr::planning {

class PlanBuilder {
 public:
  PlanBuilder(const Topology& t, const View& v, const PlanContext& c) : t_(t), v_(v), c_(c) {}

  Plan& plan() { return p_; }
  const View& view() const { return v_; }

  /// Appends a step and returns it for the fields most steps leave empty.
  Step& add(std::string id, std::string title, std::string runbook, std::string host, Safety safety,
            Argv argv, std::string done_when, Check done, int settle_s = 30);

  // ---- plan_zfs.cc ----
  /// Scenario 1, Step 1: "If zvol missing".
  void zvol(const LunConfig& l);

  /// A LUN's zvol renamed away (found by its stackdr:lun property): renamed back, so the path
  /// LIO's backstore was made with exists again. LIO kept the device open, so the initiator may
  /// not have noticed; a restart of the target would not find it.
  void zvol_back(const LunConfig& l);

  /// Scenario 3: clear first (a transient error), replace when the disk stays faulted.
  void pool_disk(const std::string& disk, Cause cause);

  Check resilvered(const std::string& disk_id) const;

  /// Scenario 3, Step 4, followed to its end: the replaced disk's data and every other block are
  /// read back. A scrub that finds errors stops the plan: ZFS lists the damaged files in
  /// `zpool status -v`, which an operator reads before anything else is done.
  void scrub_pool();

  // ---- plan_lio.cc ----
  std::string serial_of(const LunConfig& l);

  void saveconfig();

  void map_lun(const LunConfig& l);

  /// Scenario 1, Step 1: "Recreate backstore" — with the serial it had, so the initiator's
  /// /dev/disk/by-id names and md's view of the disk stay the same.
  void backstore(const LunConfig& l, Cause cause);

  void lun(const LunConfig& l);

  void acl(const LunConfig& l);

  /// Scenario 2, Step 1: "Verify iSCSI service listening".
  /// Without systemd (storage.service: "") it runs what target.service runs.
  void target_service();

  // ---- plan_iscsi.cc ----
  /// Scenario 2, Step 1: "Restore network" is physical work; stackdr waits and says so.
  void network(const std::string& root);

  /// Scenario 1, Step 2: reconnect on the KVM host.
  void session(const LunConfig& l, Cause cause);

  // ---- plan_md.cc ----
  /// Will `mdadm --re-add` work? (DESIGN.md field note: superblock of this array, bitmap, slot.)
  /// "" yes; otherwise why not. Unset when what decides it was not read this sweep.
  std::optional<std::string> re_add_refusal(const ArrayConfig& a, const std::string& lun);

  /// md keeps a failed member's slot, under the kernel name it had then (after a re-login the
  /// disk has a new name, and the old one shows as "sdb[1](F)"): free every failed slot first,
  /// or mdadm refuses the re-add (seen in the lab).
  void remove_failed(const ArrayConfig& a, const std::string& lun);

  /// Scenario 1, Step 3, done exactly: --re-add (bitmap: only dirty chunks) when mdadm will take
  /// it; otherwise a full --add, clearing an old superblock first only when mdadm would refuse.
  void re_add(const ArrayConfig& a, const std::string& lun);

  /// Before a full rebuild overwrites `lun`, the copy md keeps (the running array without it) is
  /// checked read-only where its filesystem lives, as the runbook does (Scenario 4, Step 2:
  /// fsck -n): an error there stops the plan for an operator, with both copies still as they
  /// were. With no filesystem named in the topology there is nothing stackdr can check it
  /// with, so it escalates rather than overwrite unchecked. Returns false when it escalated.
  bool check_kept_copy(const ArrayConfig& a, const std::string& lun);

  void wait_resync(const ArrayConfig& a);

  bool array_running(const ArrayConfig& a) const;

  void member(const ArrayConfig& a, const std::string& lun);

  /// Take an array away from its consumers before stopping it, in the order that keeps data:
  /// the guest unmounts, libvirt detaches the disk (qemu holds the array open), then md stops.
  /// Returns false (and escalates) when a filesystem on it might be mounted but its host's
  /// mounts were not read: unmounting, stopping and fsck are decided by them.
  bool release(const ArrayConfig& a);

  void give_back(const ArrayConfig& a);

  /// Every leg was lost at once: md kept the last leg "active", marked the array broken and put
  /// the failed writes in the bad-block log. Stop, assemble from the freshest member only,
  /// clearing the bad-block log before any rebuild copies it, re-add the other, then fsck.
  void broken_array(const ArrayConfig& a);

  /// Scenario 4, Step 2: the array is not running (one member's metadata is gone, or it was
  /// stopped): run it from the freshest member with a valid superblock, add the others.
  void reassemble(const ArrayConfig& a, const std::string& bad);

  /// mdadm --assemble --run from one member. If its bad-block log has entries they are the
  /// writes that failed when every leg was lost (on a zvol-backed iSCSI disk, media errors are
  /// ZFS's business, not md's): clear the log so no later rebuild copies it.
  Step& assemble_from(const ArrayConfig& a, const std::string& member, const std::string& runbook);

  // ---- plan_fs.cc ----
  void umount(const FilesystemSite& f, const std::string& runbook);

  /// e2fsck replays or repairs what the aborted journal left (its exit status says what it
  /// fixed, so it is best effort: the mount after it verifies); it never runs on a mounted
  /// filesystem (the fsck-mounted interlock).
  void fsck_and_mount(const FilesystemSite& f);

  /// ext4 went read-only because its journal aborted: a remount alone is refused; unmount,
  /// fsck, mount.
  void filesystem(const FilesystemSite& f, Cause cause);

  // ---- plan_vm.cc ----
  /// Live only: a detach stackdr made was live only, so the persistent definition still has it.
  void attach(const VmConfig& vm, const VmDiskConfig& d);

  void vm_disk(const VmConfig& vm, const VmDiskConfig& d);

  /// A VM that is shut off is started; one paused (libvirt's error_policy='stop' pauses it on an
  /// I/O error, so the guest never sees the error) is resumed, once the disks under it are
  /// healthy again: the write it stopped on is then retried and succeeds.
  void vm_start(const VmConfig& vm);

  std::string domain_state(const VmConfig& vm) const;
  /// Why libvirt says the VM is paused ("I/O error", "user" …); unset when that was not read.
  std::optional<std::string> pause_reason(const VmConfig& vm) const;

 private:
  const Topology& t_;
  const View& v_;
  const PlanContext& c_;
  Plan p_;
};

}  // namespace stackdr::planning
