#pragma once
/// Which kernel log records and ZFS events wake the daemon for a sweep, on this machine (/dev/kmsg) or on an
/// SSH host (RemoteFollower's "kmsg" lines): one rule for both. A record matters when it is at
/// warning level or worse, or comes from md, the iSCSI initiator or ext4 — the messages that come
/// before, or instead of, an md event (a filesystem gone read-only, a session in recovery). What
/// it says is read by the sweep, from dmesg, like every other fact.

#include <string>
#include <string_view>

namespace stackdr {

/// `level`: the record's syslog level (0 emergency … 7 debug).
bool kernel_record_matters(int level, std::string_view message);

/// Whether a ZFS event (a `zpool events -H` line: TIME CLASS) is about the pool's health: an
/// ereport (I/O, checksum, probe failure), a resource state change, a vdev, resilver, scrub or
/// pool event — not the history and config-sync events every `zfs`/`zpool` command makes.
bool zfs_event_matters(std::string_view line);

/// Whether a line of `virsh event --all --loop` is one a sweep should follow at once: a domain's
/// lifecycle (paused on an I/O error, stopped, resumed), an I/O error, a device removed or added.
/// "event 'lifecycle' for domain 'vm1': Suspended I/O Error"
bool virsh_event_matters(std::string_view line);

/// A /dev/kmsg record ("PRI,SEQ,TIME,FLAGS;message\n…"): its level and message line.
bool parse_kmsg_record(std::string_view record, int& level, std::string_view& message);

/// One line of a RemoteFollower (host/remote_follower.h) read: what woke, or what ended.
///   "mdstat[ TEXT]"       an md event (POLLPRI on the far /proc/mdstat), with what the file
///                         shows now (newline as \n, backslash as \\) unless it was too large
///   "kmsg LEVEL MESSAGE"  a kernel log record
///   "zpool TIME CLASS"    a ZFS event (`zpool events -f -H`)
///   "virsh EVENT…"        a libvirt event (`virsh event --all --loop`)
///   "zpool-ended", "virsh-ended"  that source stopped (its facts wait for interval sweeps)
struct FollowerLine {
  /// The source that woke the daemon ("mdstat", "kmsg", "zpool", "virsh"), or "" when the line
  /// asks for no sweep (a record that does not matter, a line not understood).
  std::string wakes;
  /// The source that ended ("zpool", "virsh"), or "".
  std::string ended;
  /// An md event's /proc/mdstat as the far side read it ("" when the line did not carry it).
  std::string mdstat;
  /// libvirt's event as `virsh event` printed it, when it wakes a sweep ("" otherwise).
  std::string virsh;
};
FollowerLine parse_follower_line(std::string_view line);

}  // namespace stackdr
