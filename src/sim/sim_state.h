#pragma once
/// SimState: a deterministic model of the whole stack — pool and disks, zvols (with volmode),
/// LIO backstores/targets/TPGs/LUNs, the storage network, open-iscsi sessions (with the
/// kernel's moving sdX names), MD arrays (members, roles, events, superblocks, bitmap, resync),
/// VMs with their disks and filesystems, and each host's kernel log. The renderers print what
/// the real tools print for it; faults and (later) recovery commands change it.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "probe/mdadm_examine.h"
#include "sim/index_cache.h"
#include "topology/topology.h"

namespace stackdr::sim {

struct PoolDisk {
  std::string name;  // by-id name as zpool prints it
  std::string state = "ONLINE";
  int64_t read_errors = 0, write_errors = 0, cksum_errors = 0;
  std::string note;
  std::string serial;
  bool dead = false;  // physically broken: `zpool clear` cannot bring it back
};

/// A scrub or resilver in progress on the pool.
struct PoolScan {
  std::string kind;  // "resilver" or "scrub"
  int64_t started = 0;
  int64_t done_bytes = 0, total_bytes = 0;
  int64_t speed_bytes = 512LL << 20;
  std::string replacing;  // the old disk being replaced (resilver onto a new disk)
};

struct Pool {
  std::string name;
  int64_t available_bytes = int64_t{6} << 40;  // free space zfs reports (`available`): 6 TiB
  std::string vdev = "mirror-0";
  std::vector<PoolDisk> disks;
  std::string scan = "scrub repaired 0B in 00:21:07 with 0 errors on Sun Nov  8 00:45:08 2026";
  std::optional<PoolScan> scanning;
  int64_t allocated_bytes = 3LL << 40;
  std::string failmode = "wait", autoreplace = "off";  // zpool properties (OpenZFS defaults)
  std::vector<std::string> spares;                     // disks present in the server, in no pool
  std::string state() const;                           // derived from the disks, as ZFS does for a mirror
};

struct Zvol {
  std::string name;  // pool/dataset
  std::string volmode = "default";
  int64_t volsize = 0;
  std::map<std::string, std::string> user_props;  // module:property=value (zfs set)
  std::set<std::string> snapshots = {};           // the names after '@'
  // `zfs hold`s: snapshot name → tag → when it was placed (epoch seconds).
  std::map<std::string, std::map<std::string, int64_t>> holds = {};
  // The name it had when LIO opened it, if renamed since: an open device follows the dataset,
  // so the backstore keeps serving it although its path is gone.
  std::string opened_as = {};
  bool device_present() const { return volmode != "none"; }
};

struct Backstore {
  std::string type = "block";
  std::string name;
  std::string device;
  std::string serial;  // LIO unit_serial (a UUID); the WWN derives from it
  int64_t size_bytes = 0;
  int hba_index = 0;        // configfs folder core/iblock_N: the lowest free N when created
  std::string wwn() const;  // 0x6001405 + the serial's hex digits
};

struct TargetLun {
  int lun = 0;
  std::string backstore;  // "block/lun01"
};

struct Target {
  std::string iqn;
  bool tpg_enabled = true;
  std::vector<TargetLun> luns;
  std::vector<std::string> acls;  // initiator IQNs, each mapped to every LUN
  std::vector<std::string> portals;
};

struct Lio {
  bool running = true;  // target.service; stopping it clears configfs
  std::vector<Backstore> backstores;
  std::vector<Target> targets;
  const Backstore* backstore(std::string_view type_name) const;  // "block/lun01"
  int free_hba_index() const;  // as rtslib allocates one: the lowest unused, across all types
  Target* target(std::string_view iqn);
  const Target* target(std::string_view iqn) const;

 private:
  IndexCache backstore_at_, target_at_;

 public:
};

struct Session {
  std::string target, portal;
  int sid = 0;
  int host_no = 0;
  std::string session_state = "LOGGED_IN";  // LOGGED_IN, FAILED, FREE
  std::string connection_state = "LOGGED IN";
  std::string internal_state = "NO CHANGE";
  std::string disk;                    // sdX ("" = no disk attached)
  std::string disk_state = "running";  // running, blocked, transport-offline
  int recovery_timeout = 120;          // node.session.timeo.replacement_timeout
  std::string iface_ip;                // the initiator's address on the storage network
  int64_t login_time = 0;
};

/// open-iscsi's node record of one target on one portal: what the next login uses.
struct NodeRecord {
  std::string target, portal;
  std::string startup = "manual";  // Debian's iscsid.conf default
  int replacement_timeout = 120;   // open-iscsi's defaults
  int noop_interval = 5, noop_timeout = 5;
};

struct Member {
  std::string lun;       // the LUN (topology name) it lives on: its stable identity
  std::string rdev;      // the kernel name md bound it under; kept after the disk goes away
  int desc_nr = 0;       // the [n] in /proc/mdstat
  int role = 0;          // slot
  bool in_array = true;  // bound to the running array
  bool faulty = false;
  bool in_sync = true;  // false while rebuilding
  bool superblock_ok = true;
  int64_t events = 0;
  int64_t update_time = 0;
  std::string array_state_seen;  // the "Array State" its superblock last recorded ("AA", "A.")
  std::string device_uuid;
  std::string checksum;
  bool write_error = false;
  std::vector<BadBlockRange> bad_blocks;
  // Data truth: the newest generation of the array's data this member holds, and how much of
  // the array the write-intent bitmap marks dirty for it since it left.
  int64_t held = 0;
  int64_t dirty_kib = 0;
};

struct Resync {
  std::string action = "recovery";
  int64_t done_kib = 0, total_kib = 0;
  int64_t speed_kib = 45000;
  int64_t copied_kib = 0;
  int64_t copy_kib = 0;  // what really gets copied: the dirty chunks, or everything
  std::string lun;       // the member being rebuilt
};

struct Array {
  std::string name;    // the topology's label: md1, data
  std::string device;  // /dev/md1
  std::string uuid;
  /// md's name for it (/proc/mdstat, /sys/block, the kernel log): md1.
  std::string kernel_name() const { return device.substr(device.rfind('/') + 1); }
  std::string homehost = "s01";
  std::string level = "raid1";
  int raid_disks = 2;
  int64_t size_kib = 0;
  std::string state = "active";  // active, inactive, stopped
  bool auto_read_only = false;
  bool broken = false;  // md's MD_BROKEN: the last leg saw failed writes
  int64_t events = 0;
  int64_t creation_time = 0, update_time = 0;
  int bitmap_pages_used = 1;
  int64_t bitmap_chunk_kib = 65536;
  std::vector<Member> members;  // in bind order; mdstat prints the newest first
  std::optional<Resync> resync;
  int64_t mismatch_cnt = 0;  // what the last check found differing between the legs (sectors)
  bool bitmap = true;
  // Data truth: the generation the running array serves, and the newest one the VM was ever
  // told was written (acknowledged). A recovery that ends with generation < acknowledged lost data.
  int64_t generation = 0, acknowledged = 0;
  Member* member(std::string_view lun);
  const Member* member(std::string_view lun) const;
};

struct VmDisk {
  std::string target;  // vdb
  std::string source;  // /dev/md1 on the KVM host
  bool attached = true;
};

struct GuestMount {
  std::string device, mountpoint, fstype = "ext4";
  bool read_only = false;
  bool mounted = true;
  bool needs_fsck = false;  // the journal aborted: remount rw fails until e2fsck ran
  bool damaged = false;     // metadata errors: e2fsck -n reports them (exit 4), -fy repairs them
  bool shut_down = false;   // ext4 stopped writes after an error; Linux 6.1 still shows it rw
};

struct Vm {
  std::string name;
  std::string state = "running";
  std::string reason = "booted";  // why, as `virsh domstate --reason` says it: "I/O error", "user" …
  int id = 1;
  std::vector<VmDisk> disks;
  std::vector<GuestMount> mounts;
};

struct LocalDisk {
  std::string name, size, mountpoint;
  std::vector<std::string> by_path;  // e.g. pci-0000:00:03.0
};

/// The whole stack, on three kinds of host: the storage server, one KVM host (the topology's
/// initiator host) and the VMs' guests.
struct SimState {
  Topology topology;
  int64_t now = 0;        // simulated epoch seconds; moves only when something happens
  int64_t boot_time = 0;  // when the KVM host booted: the age of its local device links
  std::string storage_host, kvm_host;
  Pool pool;
  std::vector<Zvol> zvols;
  Lio lio;
  std::string initiator_iqn;
  bool storage_network_up = true;     // false: every portal is unreachable
  std::set<std::string> blocked_ips;  // single portals unreachable (a portal per leg)
  bool reachable(const std::string& ip) const { return storage_network_up && !blocked_ips.count(ip); }
  std::vector<Session> sessions;
  std::vector<NodeRecord> nodes;  // iscsiadm's node database on the KVM host
  int next_sid = 1, next_host_no = 2;
  bool target_unit_enabled = true;  // systemctl is-enabled target
  std::string mailaddr = "root";    // mdadm.conf MAILADDR ("" = none)
  std::vector<Array> arrays;
  std::vector<Vm> vms;
  std::map<std::string, std::vector<GuestMount>> host_mounts;  // a KVM host's mounts of its arrays
  std::vector<LocalDisk> local_disks;                          // the KVM host's own disks
  std::map<std::string, std::vector<std::string>> kernel_log;  // host → dmesg lines
  /// Each kernel_log line's wall-clock time (epoch seconds) and printk level, for the journal.
  struct KernelLineMeta {
    double at = 0;
    int priority = 6;
  };
  std::map<std::string, std::vector<KernelLineMeta>> kernel_log_meta;
  std::map<std::string, double> uptime;  // host → seconds since boot
  /// One event in the ZFS module's event queue, as `zpool events` lists it: when, and its class
  /// (sysevent.fs.zfs.*, resource.fs.zfs.*, ereport.fs.zfs.*). The command history's
  /// history_event records are not kept: the simulator has no `zpool history`.
  struct ZfsEvent {
    int64_t sec = 0, nsec = 0;
    std::string cls;
  };
  std::vector<ZfsEvent> zfs_events;
  Lio saved_lio;  // /etc/target/saveconfig.json: what `systemctl start target` restores
  // Accounting for drills: bytes md copied while resyncing, and every action that destroyed
  // the newest copy of some data (must stay empty).
  int64_t bytes_resynced = 0;
  std::vector<std::string> data_loss;
  /// Every state-changing command run on any host, in order: what recovery did.
  std::vector<std::pair<std::string, std::vector<std::string>>> actions;
  /// Things the world does later: the operator fixes the network, a disk arrives, ...
  struct Scheduled {
    int64_t at = 0;
    std::string what;
    std::function<void(SimState&)> run;
  };
  std::vector<Scheduled> scheduled;

 private:
  IndexCache session_at_, array_at_;
  mutable std::unordered_map<std::string, std::pair<size_t, size_t>> member_at_;  // disk → (array, member)

 public:
  const Zvol* zvol(std::string_view name) const;
  Zvol* zvol(std::string_view name);
  Session* session(std::string_view target);
  NodeRecord* node(std::string_view target);
  const Session* session(std::string_view target) const;
  Array* array(std::string_view name);
  Vm* vm(std::string_view name);
  /// The kernel name of a LUN's disk on the KVM host ("" when no session has it attached).
  std::string disk_of(std::string_view lun) const;
  /// The array md knows as `kernel_name` (md1, or the basename of /dev/md/NAME).
  const Array* array_by_kernel_name(std::string_view kernel_name) const;
  /// The array member whose disk is `kname` today (nullptr: none).
  std::pair<const Array*, const Member*> member_on_disk(std::string_view kname) const;
  /// The name md shows a member under: the one it was bound with (a failed member keeps its
  /// old sdX after a re-login gave the disk a new one, as the lab showed), else today's.
  std::string rdev_name(const Member& m) const;
  /// Why I/O to a LUN from the KVM host fails right now ("" = it works).
  std::string io_path_fault(const LunConfig& lun) const;
  /// Appends a kernel log line on a host, with a dmesg timestamp, advancing that host's clock;
  /// `priority` is the printk level the real kernel logs that message at (3 err, 4 warning …).
  void klog(const std::string& host, const std::string& message, double after_s = 0.001, int priority = 6);
  /// Posts a ZFS event now: events within one simulated second are 4 ms apart, as the
  /// lab's real pool stamped them (the kernel's tick).
  void zevent(std::string cls);
};

/// The healthy stack the topology describes, deterministic for a given topology.
SimState build_sim_state(const Topology& topology);

/// Lowest free sdX name, as the sd driver hands them out.
std::string next_sd_name(const SimState& s);
/// The kernel's name for the index-th SCSI disk (0 → sda, 25 → sdz, 26 → sdaa).
std::string sd_name(size_t index);

/// Formats seconds since the epoch as mdadm and ctime do: "Wed Nov 25 06:54:26 2026".
std::string ctime_string(int64_t t);

}  // namespace stackdr::sim
