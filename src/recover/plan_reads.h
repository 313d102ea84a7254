#pragma once
/// What the plans read of the View, and the checks their steps wait on: one place for each
/// (the planner's per-layer files share them). md facts come from the View's typed
/// MdArrayState, every fact three-valued, so "not read" is never taken for "not there".

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "recover/step.h"
#include "recover/view.h"
#include "topology/topology.h"

namespace stackdr::planning {

// ---- checks a step waits on ("" = holds, otherwise what is seen instead) ----------------------

Check node_ok(std::string id);
/// The member is in the array and not faulty.
Check member_serving(const ArrayConfig& a, const std::string& lun);
Check no_failed_members(const ArrayConfig& a);
/// Active, no resync running, and its node healthy.
Check array_in_sync(const ArrayConfig& a, std::string id);
Check array_stopped(const ArrayConfig& a);
Check array_active_not_broken(const ArrayConfig& a);
Check fs_unmounted(const FilesystemSite& f);
Check vm_disk_detached(const VmConfig& vm, const VmDiskConfig& d);

// ---- reads ------------------------------------------------------------------------------------

const MdMemberState* member_state(const View& v, const ArrayConfig& a, const std::string& lun);
/// Whether a filesystem is mounted: kUnknown when its host's mounts were not read.
Seen mounted(const View& v, const FilesystemSite& f);
/// The disk a `zpool replace` is resilvering onto in place of `disk` ("" = none under way).
std::string replacing_with(const View& v, const std::string& disk);
/// Whether a disk is part of the pool as the view read it (in any vdev, replacing included).
bool pool_has(const View& v, const std::string& disk);

/// Where the pool's last scrub stands, for the step that follows one to its end.
struct ScrubState {
  std::string waiting;  // "" = finished clean
  std::string failed;   // non-empty: finished with errors (or stopped)
};
ScrubState scrub_state(const View& v, const std::string& pool);

// ---- what a finding is about ------------------------------------------------------------------

/// The topology objects a finding's root node names (any that apply).
struct Subject {
  const LunConfig* lun = nullptr;
  const ArrayConfig* array = nullptr;
  std::string member;  // LUN name of an array member
  const VmConfig* vm = nullptr;
  const VmDiskConfig* vm_disk = nullptr;
  std::optional<FilesystemSite> fs;
  std::string pool_disk;
};
Subject subject_of(const Topology& t, const std::string& root);

/// VM disks whose source is this array.
std::vector<std::pair<const VmConfig*, const VmDiskConfig*>> consumers(const Topology& t,
                                                                       const ArrayConfig& a);

/// The placeholder a step's argv carries for a LUN's disk, resolved to today's kernel name
/// when the step runs (the name can change between planning and running).
std::string disk_word(const std::string& lun);

}  // namespace stackdr::planning
