#include <fmt/format.h>

#include "model/graph_layers.h"
#include "model/node_id.h"
#include "util/text.h"

// The md arrays and their members, from the md states (md_state.h).

namespace stackdr::graph {

size_t Builder::array(const std::string& host, const KvmFacts& k, const ArrayConfig& a, const HostNodes& at) {
  const MdArrayState& st = md_->at(a.name);
  Node arr{node_id::array(a),
           Layer::kMdArray,
           host,
           text::cat({"array ", a.name, " (", a.device, ")"}),
           Health::kOk,
           Cause::kNone,
           {},
           {},
           {}};
  if (!st.uuid.empty()) arr.attrs["uuid"] = st.uuid;
  const std::string mdstat_src = "/proc/mdstat";
  const std::string& kn = st.kernel_name;
  if (!unknown_if_missing(arr, st.assembled != Seen::kUnknown, reads_, host, mdstat_src)) {
    if (st.assembled == Seen::kNo) {
      worsen(arr, Health::kFailed, Cause::kArrayStopped, {host, mdstat_src, kn + " is not assembled"});
    } else if (!st.active) {
      worsen(arr, Health::kFailed, Cause::kArrayInactive,
             {host, mdstat_src, fmt::format("{} : inactive", kn)});
    } else {
      // mdstat's line and the state file, written out only when cited (not for a healthy array).
      auto line = [&] {
        return fmt::format("{} : {} {} [{}/{}] [{}]", kn, st.md_state, st.level, st.raid_disks,
                           st.active_disks, st.health);
      };
      auto state_src = [&] { return "/sys/block/" + kn + "/md/array_state"; };
      if (st.broken == Seen::kYes)
        worsen(arr, Health::kFailed, Cause::kArrayBroken,
               {host, state_src(), "broken: md could not fail its last leg; writes are failing"});
      if (st.broken == Seen::kUnknown) {
        // mdstat's [U_] or [UU] says nothing of a broken RAID1 (md keeps its last leg): a
        // degraded array may be failing every write. What is seen is kept as evidence.
        unknown_if_missing(arr, false, reads_, host, state_src());
        arr.evidence.push_back({host, mdstat_src, line()});
      } else if (st.active_disks == 0)
        worsen(arr, Health::kFailed, Cause::kArrayFailed, {host, mdstat_src, line()});
      else if (st.active_disks < st.raid_disks)
        worsen(arr, Health::kDegraded, Cause::kArrayDegraded, {host, mdstat_src, line()});
      if (st.sync && st.sync->percent) {
        set_progress(arr, "sync", {st.sync->action, *st.sync->percent, st.sync->finish_minutes}, 1);
      }
    }
  }
  // Freshness: the highest event count among the array and every member superblock seen.
  int64_t freshest = st.detail_events.value_or(0);
  for (const auto& m : st.members)
    if (m.sb && m.sb->events) freshest = std::max(freshest, *m.sb->events);
  for (const auto& m : st.members)
    if (const LunConfig* l = t_.lun(m.lun))
      arr.depends_on.push_back(member(host, k, st, m, *l, freshest, at));
  return g_.add(std::move(arr));
}

size_t Builder::member(const std::string& host, const KvmFacts& k, const MdArrayState& a,
                       const MdMemberState& m, const LunConfig& l, int64_t freshest, const HostNodes& at) {
  const ArrayConfig& ac = *a.config;
  const std::string& dev = m.device;
  Node n{node_id::member(ac, l.name),
         Layer::kMdMember,
         host,
         dev.empty() ? text::cat({ac.name, " member ", l.name})
                     : text::cat({ac.name, " member ", l.name, " (/dev/", dev, ")"}),
         Health::kOk,
         Cause::kNone,
         {},
         {},
         {}};
  if (auto d = at.disk.find(l.name); d != at.disk.end()) n.depends_on.push_back(d->second);
  if (!dev.empty()) set_device(n, dev);
  if (m.sb) {
    n.attrs["events"] = std::to_string(m.sb->events.value_or(0));
    if (m.sb->role) n.attrs["role"] = std::to_string(*m.sb->role);
  }
  if (m.slot && m.slot->journal) n.attrs["kind"] = "journal";
  auto examine_src = [&] { return "mdadm --examine /dev/" + dev; };  // cited only when not OK
  if (m.disk == Seen::kUnknown) {
    unknown_if_missing(n, false, reads_, host, "ls -l /dev/disk/by-path");
  } else if (m.disk == Seen::kNo) {
    worsen(n, Health::kFailed, Cause::kMemberMissing,
           {host, "ls -l /dev/disk/by-path", "the member's disk is not present"});
  } else if (m.superblock == Seen::kNo) {
    worsen(n, Health::kFailed, Cause::kSuperblockInvalid, {host, examine_src(), m.no_superblock_text});
  } else if (m.slot && m.slot->faulty) {
    worsen(n, Health::kFailed, Cause::kMemberFaulty,
           {host, "/proc/mdstat", fmt::format("{}[{}](F)", m.slot->device, m.slot->role)});
  } else if (m.sb && !m.sb->array_uuid.empty() && ac.uuid && *ac.uuid != m.sb->array_uuid) {
    worsen(n, Health::kFailed, Cause::kSuperblockForeign,
           {host, examine_src(), "Array UUID " + m.sb->array_uuid + " is not " + *ac.uuid});
  } else if (m.sb && m.sb->events && *m.sb->events < freshest && (m.in_array != Seen::kYes || !a.active) &&
             a.assembled != Seen::kUnknown) {
    worsen(n, Health::kFailed, Cause::kEventsMismatch,
           {host, examine_src(),
            fmt::format("Events {} < {} (freshest copy); Update Time {}", *m.sb->events, freshest,
                        m.sb->update_time_text)});
  } else if (a.active && m.in_array == Seen::kNo) {
    worsen(n, Health::kFailed, Cause::kMemberMissing,
           {host, "/proc/mdstat", fmt::format("/dev/{} is not part of {}", dev, a.kernel_name)});
  } else if (a.assembled == Seen::kUnknown) {
    unknown_if_missing(n, false, reads_, host, "/proc/mdstat");
  } else if (m.superblock == Seen::kUnknown && !a.active) {
    // A stopped or inactive array's member is judged by its superblock alone.
    worsen(n, Health::kUnknown, Cause::kSourceUnreadable,
           {host, examine_src(), "not read: " + m.unread, true});
  }
  if (m.rebuilding && m.in_array == Seen::kYes && !(m.slot && m.slot->faulty) && a.sync &&
      a.sync->action == "recovery")
    worsen(n, Health::kDegraded, Cause::kRebuilding,
           {host, "mdadm --detail " + ac.device, fmt::format("/dev/{} spare rebuilding", dev)});
  auto sys_dev = [&] { return "/sys/block/" + a.kernel_name + "/md/dev-" + dev; };
  if (std::find(m.sysfs_state.begin(), m.sysfs_state.end(), "write_error") != m.sysfs_state.end())
    worsen(n, Health::kDegraded, Cause::kWriteErrors,
           {host, sys_dev() + "/state", text::join(m.sysfs_state, ",")});
  if (m.bad_block_ranges)
    worsen(n, Health::kDegraded, Cause::kBadBlocks,
           {host, sys_dev() + "/bad_blocks",
            fmt::format("{} bad-block ranges recorded (first at sector {})", m.bad_block_ranges,
                        m.first_bad_sector)});
  if (n.health != Health::kOk)
    klog_evidence(n, k, host,
                  [&](const KernelEvent& e) { return !dev.empty() && e.device == dev && e.kind != "other"; });
  return g_.add(std::move(n));  // a node's strings are moved, not copied: a sweep adds thousands
}

}  // namespace stackdr::graph
