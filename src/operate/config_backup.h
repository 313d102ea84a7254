#pragma once
/// config-backup: the configuration a rebuilt host needs, copied off the machines into the state
/// directory — LIO's saved configuration from the storage server, mdadm.conf from each KVM host,
/// and the topology file — one folder per run, the oldest beyond `keep` removed. A file that
/// could not be read is named as missing, never written empty.

#include <string>
#include <vector>

#include "host/host.h"
#include "topology/topology.h"
#include "util/result.h"

namespace stackdr {

struct ConfigBackup {
  std::string dir;                   // the folder this run wrote
  std::vector<std::string> saved;    // file names written
  std::vector<std::string> missing;  // what could not be read, and why
  std::vector<std::string> removed;  // older folders rotated away
};

/// Writes under `root` (made if needed; mode 700). Fails only when nothing can be written.
Result<ConfigBackup> backup_config(const Topology& t, const HostLookup& hosts, const std::string& root,
                                   double now, int keep);

}  // namespace stackdr
