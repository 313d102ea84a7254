#pragma once
/// MdArrayState: what one sweep saw of an MD array and each of its members, typed and keyed by
/// identity (the array by its topology entry, a member by its LUN), with every fact
/// three-valued: seen present, seen absent, or not seen. It is built once per sweep from the
/// Observation and is the only place the graph builder, the planner and the interlocks learn md
/// facts from, so they cannot disagree about which array or member a line of output is about,
/// nor read "not read" as "not there".

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "probe/observation.h"
#include "topology/topology.h"

namespace stackdr {

/// A fact as one sweep knows it. kUnknown: its source was not read, failed, timed out or was
/// skipped — it proves nothing either way, and no step is planned from it.
enum class Seen { kNo, kYes, kUnknown };

/// A member's md superblock, as `mdadm --examine` printed it.
struct MdSuperblock {
  std::string array_uuid;
  std::optional<int64_t> events;
  std::optional<int64_t> update_time;  // seconds since the epoch (UTC), when it parsed
  std::string update_time_text;
  std::optional<int> role;  // slot number of an active or replacement device
  std::string device_role;  // "Active device 1", "spare", "Journal" ...
  bool bad_blocks = false;  // its bad-block log has entries
};

/// How md lists a member in /proc/mdstat: its flags, typed.
struct MdSlot {
  std::string device;  // the kernel name md bound it under (may be an old sdX after a re-login)
  int role = -1;
  bool faulty = false, spare = false, write_mostly = false, replacement = false, journal = false;
};

struct MdMemberState {
  std::string lun;             // identity: the LUN this member is
  Seen disk = Seen::kUnknown;  // its iSCSI disk exists (a /dev/disk/by-path link)
  std::string device;          // today's kernel name of that disk, when disk == kYes
  /// kYes: `sb` holds it; kNo: mdadm says the disk carries no md superblock; kUnknown: not
  /// read (no disk, the read failed or was skipped — `unread` says why).
  Seen superblock = Seen::kUnknown;
  std::optional<MdSuperblock> sb;
  std::string no_superblock_text;  // mdadm's words when superblock == kNo
  std::string unread;
  /// Whether the running array lists this disk (kUnknown when /proc/mdstat was not read or the
  /// disk's name is not known); `slot` is how it is listed.
  Seen in_array = Seen::kUnknown;
  std::optional<MdSlot> slot;
  /// From sysfs dev-X/state, when read.
  std::vector<std::string> sysfs_state;
  size_t bad_block_ranges = 0;
  int64_t first_bad_sector = 0;
  bool rebuilding = false;  // mdadm --detail: "spare rebuilding"
};

struct MdSync {
  std::string action;  // resync, recovery, check, repair, reshape
  std::optional<double> percent;
  std::optional<double> finish_minutes;
  std::optional<int64_t> speed_kib;  // md's current rate, KiB/s
};

struct MdArrayState {
  const ArrayConfig* config = nullptr;
  std::string kernel_name;
  /// Listed in /proc/mdstat (kUnknown: /proc/mdstat was not read).
  Seen assembled = Seen::kUnknown;
  bool active = false;   // assembled and "active" (not "inactive")
  std::string md_state;  // mdstat's state word
  std::string level;     // raid1
  int raid_disks = 0, active_disks = 0;
  std::string health;  // [UU_]
  std::optional<MdSync> sync;
  std::vector<MdSlot> slots;  // every slot mdstat lists, including failed ones under old names
  /// sysfs array_state == broken (kUnknown: not read).
  Seen broken = Seen::kUnknown;
  /// From `mdadm --detail` when it was read.
  bool detail_read = false;
  std::optional<int64_t> detail_events;
  Seen bitmap = Seen::kUnknown;  // an internal write-intent bitmap
  /// /proc/mdstat's "bitmap: USED/TOTAL pages": how much of the bitmap marks dirty chunks.
  std::optional<int64_t> bitmap_pages_used, bitmap_pages;
  std::string uuid;                    // pinned in the topology, else as mdadm reports it
  std::vector<MdMemberState> members;  // in topology order

  const MdMemberState* member(const std::string& lun) const;
  bool any_failed_slot() const;
};

/// The arrays of a topology as one Observation shows them, by topology array name.
std::map<std::string, MdArrayState> md_states(const Topology& t, const Observation& o);

/// The one rule for "freshest member": the highest event count, then the newest update time,
/// among members whose superblock was read. It is undecidable — `lun` empty, `why` says
/// why — when any member whose disk is present or not known had its superblock not read: that
/// member could be the fresher one. Members seen to have no disk or no superblock hold no data
/// md could assemble from and do not count.
struct Freshest {
  std::string lun;
  int64_t events = 0;
  bool undecided = false;  // a member that could be fresher was not read
  std::string why;         // when undecided, or when no member has a superblock
};
Freshest freshest_member(const MdArrayState& a);

const char* seen_name(Seen s);  // no yes unknown

}  // namespace stackdr
