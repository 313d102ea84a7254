#include "operate/recovery_locks.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "host/ssh_host.h"

namespace stackdr {

namespace {

// Who holds a lock, as the other stackdr will read it: "stackdr pid N on MACHINE".
std::string lock_holder() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return fmt::format("stackdr pid {} on {}", ::getpid(), host);
}

}  // namespace

Result<RecoveryLocks> take_recovery_locks(const Topology& t, const HostLookup& hosts, bool simulated,
                                          const std::string& dir, bool& held) {
  held = false;
  std::set<std::pair<std::string, std::string>> keys;  // (folder, name)
  std::vector<std::string> remote;                     // SSH hosts, by name
  for (const auto& h : t.hosts) {
    if (simulated)
      keys.insert({dir, h.name});
    else if (h.transport == Transport::kLocal)
      keys.insert({kMachineLockDir, kMachineLockName});
    else
      remote.push_back(h.name);
  }
  std::sort(remote.begin(), remote.end());
  RecoveryLocks locks;
  for (const auto& [folder, name] : keys) {
    auto l = HostLock::acquire(folder, name, held);
    if (!l) return l.error();
    locks.local.push_back(std::move(*l));
  }
  for (const auto& name : remote) {
    auto* ssh = dynamic_cast<SshHost*>(hosts(name));
    if (!ssh) continue;
    auto l = ssh->lock_machine(lock_holder(), held);
    if (!l) return l.error();
    locks.remote.push_back(std::move(*l));
  }
  return locks;
}

}  // namespace stackdr
