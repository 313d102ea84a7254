#pragma once
/// The observer runs every probe of one sweep on the host it belongs to and parses the output
/// into an Observation. It decides what to read from the topology (which pool, which arrays,
/// which members) and from what it has already read (member disks are found through the
/// by-path links, never assumed). It prefers procfs/sysfs to spawning tools, and gives every
/// command a timeout: mdadm --detail can hang for the whole iSCSI replacement timeout.

#include <chrono>
#include <functional>

#include "host/host.h"
#include "probe/lio_configfs.h"
#include "probe/observation.h"
#include "probe/probe_argv.h"
#include "topology/topology.h"

namespace stackdr {

/// The source name the model cites for LIO facts (its commands are recorded under their argv).
inline constexpr std::string_view kLioTreeSource = "/sys/kernel/config/target (tree)";
inline constexpr std::string_view kLioValuesSource = "/sys/kernel/config/target (values)";

struct ObserveOptions {
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds mdadm_timeout{5000};
  bool smart = true;
  bool kernel_log = true;
  /// Most probes in flight at once. Probes that do not depend on each other run side by side
  /// on hosts that allow it (a real host does; the simulator runs them one after another).
  int parallel = 8;
  /// Also read the settings `stackdr lint` checks (node records, saved LIO config, mdadm.conf,
  /// pool properties, the target unit) and md's mismatch counts (`maintain md-check`): not
  /// needed to tell health, so not read every sweep.
  bool settings = false;
  /// The members of a whole array (md lists every one in sync, nothing resyncing: see
  /// observer.cc) have their on-disk superblock read (`mdadm --examine`) one sweep in this
  /// many, each array on a turn of its own, instead of every sweep. 1, every verb's own look:
  /// every member, every time. The daemon sets it (a read every five minutes): at 10,000
  /// arrays the examines are 20,000 mdadm runs a sweep, and what they would show of a whole
  /// array changes in /proc/mdstat first, which every sweep reads.
  int whole_array_examine_every = 1;
  /// Which sweep this is (the daemon's count): its turn among the arrays; sweep 0 reads all.
  uint64_t sweep = 0;
};

Observation observe(const Topology& topology, const HostLookup& hosts, const ObserveOptions& options = {});

}  // namespace stackdr
