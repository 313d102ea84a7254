#pragma once
/// The observer runs every probe of one sweep on the host it belongs to and parses the output
/// into an Observation. It decides what to read from the topology (which pool, which arrays,
/// which members) and from what it has already read (member disks are found through the
/// by-path links, never assumed). It prefers procfs/sysfs to spawning tools, and gives every
/// command a timeout: mdadm --detail can hang for the whole iSCSI replacement timeout.

#include <chrono>
#include <functional>

#include "host/host.h"
#include "model/topology.h"
#include "probe/lio_configfs.h"
#include "probe/observation.h"

namespace stackdr {

/// The source name the model cites for LIO facts (its commands are recorded under their argv).
inline constexpr std::string_view kLioTreeSource = "/sys/kernel/config/target (tree)";
inline constexpr std::string_view kLioValuesSource = "/sys/kernel/config/target (values)";

/// Looks up the Host for a topology host name (nullptr: no way to reach it).
using HostLookup = std::function<Host*(const std::string& name)>;

struct ObserveOptions {
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds mdadm_timeout{5000};
  bool smart = true;
  bool kernel_log = true;
  /// Most probes in flight at once. Probes that do not depend on each other run side by side
  /// on hosts that allow it (a real host does; the simulator runs them one after another).
  int parallel = 8;
};

Observation observe(const Topology& topology, const HostLookup& hosts, const ObserveOptions& options = {});

/// The argv of each probe, in one place (also what `stackdr collect` will capture).
namespace probe_argv {
Argv zpool_status(const std::string& pool);
Argv zfs_get_volumes(const std::vector<std::string>& zvols);
Argv lio_tree();    // find over /sys/kernel/config/target (lio_configfs.h)
Argv lio_values();  // grep -rs of its udev_path, enable and vpd_unit_serial files
Argv ss_listen();
Argv mdadm_detail(const std::string& device);
Argv mdadm_examine(const std::string& device);
Argv iscsiadm_sessions();
Argv ls_by_path();
Argv lsblk();
Argv virsh_list();
Argv virsh_domblklist(const std::string& domain);
Argv ping(const std::string& address);
Argv dmesg();
Argv smartctl(const std::string& disk);
Argv ls_zvols(const std::string& pool);
}  // namespace probe_argv

}  // namespace stackdr
