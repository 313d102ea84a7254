#pragma once
/// Observation: every fact read in one sweep, grouped by the host it came from, plus a record
/// of each source read (ok or why not). The model is built from this and nothing else.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/disk_links.h"
#include "probe/iscsiadm_node.h"
#include "probe/iscsiadm_session.h"
#include "probe/kernel_log.h"
#include "probe/listeners.h"
#include "probe/lsblk.h"
#include "probe/md_sysfs.h"
#include "probe/mdadm_detail.h"
#include "probe/mdadm_examine.h"
#include "probe/mdstat.h"
#include "probe/mounts.h"
#include "probe/smartctl.h"
#include "probe/targetcli_ls.h"
#include "probe/virsh.h"
#include "probe/zfs_get.h"
#include "probe/zpool_status.h"

namespace stackdr {

/// One source read: which host, what (argv or path), the outcome and how long it took.
struct SourceRecord {
  std::string host, source;
  bool ok = true;
  std::string error;
  double ms = 0;  // wall time of the command or read (0 for a parse failure)
};

/// The LIO target service's unit: Debian and Ubuntu's name, then Red Hat's.
inline constexpr std::string_view kTargetUnits[] = {"rtslib-fb-targetctl.service", "target.service"};

struct StorageFacts {
  std::string host;
  std::optional<ZpoolStatusFacts> zpool;
  std::optional<ZfsGetFacts> zvols;
  std::optional<DiskLinksFacts> zvol_links;
  // stackdr:lun of every volume in the pool: read only when a LUN's zvol does not exist.
  std::optional<ZfsGetFacts> zvol_owners;
  std::optional<LioFacts> lio;
  std::optional<ListenersFacts> listeners;
  std::map<std::string, SmartctlFacts> smart;  // by pool disk name
  std::optional<KernelLogFacts> kmsg;
  // Settings, read when ObserveOptions::settings asks (`stackdr lint`, `lun`):
  std::optional<LioFacts> lio_saved;       // targetcli's saveconfig.json
  std::string lio_saved_path;              // which file it was
  std::optional<std::string> target_unit;  // `systemctl is-enabled` of the target service ("" = no such unit)
  std::string target_unit_name;            // the unit found: storage.service's, else one of kTargetUnits
  std::optional<std::map<std::string, std::string>> pool_props;  // zpool get: property → value
};

/// `mdadm --examine` of one member disk: its superblock, or the fact that there is none.
struct MemberExamine {
  std::optional<MdadmExamineFacts> facts;
  bool no_superblock = false;
  std::string stderr_text;
};

/// One `ping -c 1` of a portal's address from a KVM host.
struct PingResult {
  bool reachable = false;
  std::string summary;  // the "packet loss" line
};

struct KvmFacts {
  std::string host;
  std::optional<MdstatFacts> mdstat;
  std::map<std::string, MdadmDetailFacts> detail;  // by array name (md1)
  std::map<std::string, MdSysfsFacts> md_sysfs;    // by array name
  std::map<std::string, MemberExamine> examine;    // by kernel disk name (sdc)
  /// By kernel disk name: members of a whole array not examined this sweep, and why (not a
  /// failed read: ObserveOptions::whole_array_examine_every).
  std::map<std::string, std::string> examine_deferred;
  std::optional<IscsiSessionFacts> sessions;
  std::optional<DiskLinksFacts> by_path;
  std::optional<LsblkFacts> lsblk;
  std::optional<VirshListFacts> domains;
  std::map<std::string, VirshDomblklistFacts> domblklist;  // by domain
  /// By domain: why a paused domain is paused (an I/O error, or its user), read for those alone.
  std::map<std::string, VirshDomstate> domstate;
  std::map<std::string, PingResult> pings;  // by portal IP; absent = ping could not run
  std::optional<KernelLogFacts> kmsg;
  // Settings, read when ObserveOptions::settings asks:
  std::optional<IscsiNodeFacts> nodes;    // open-iscsi's node records
  std::optional<std::string> mdadm_conf;  // /etc/mdadm/mdadm.conf as it is
};

struct GuestFacts {
  std::string host;
  std::optional<MountsFacts> mounts;
  std::optional<KernelLogFacts> kmsg;
};

struct Observation {
  StorageFacts storage;
  std::map<std::string, KvmFacts> kvm;       // by host name
  std::map<std::string, GuestFacts> guests;  // by host name
  std::vector<SourceRecord> sources;
  /// The record for a source, if it was read.
  const SourceRecord* source(std::string_view host, std::string_view source_prefix) const;
};

}  // namespace stackdr
