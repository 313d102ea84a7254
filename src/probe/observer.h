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
#include "probe/observation.h"

namespace stackdr {

/// Looks up the Host for a topology host name (nullptr: no way to reach it).
using HostLookup = std::function<Host*(const std::string& name)>;

struct ObserveOptions {
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds mdadm_timeout{5000};
  bool smart = true;
  bool kernel_log = true;
};

Observation observe(const Topology& topology, const HostLookup& hosts, const ObserveOptions& options = {});

/// The argv of each probe, in one place (also what `stackdr collect` will capture).
namespace probe_argv {
Argv zpool_status(const std::string& pool);
Argv zfs_get_volumes(const std::vector<std::string>& zvols);
Argv targetcli_ls();
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
