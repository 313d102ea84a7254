#pragma once
/// Topology: what the stack is supposed to be, from stackdr.yaml — hosts and their roles, the
/// pool, the LUNs (target IQN + LUN number, backed by a zvol), the MD arrays built from those
/// LUNs, and the VMs using them. Observations are compared against it; it is never inferred.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace stackdr {

enum class HostRole { kStorage, kKvm, kVm };

/// How stackdr reaches a host: this machine's own commands, or OpenSSH.
enum class Transport { kLocal, kSsh };
const char* transport_name(Transport t);  // local ssh

struct HostConfig {
  std::string name;
  HostRole role = HostRole::kKvm;
  std::string address;
  Transport transport = Transport::kLocal;
  std::string command_path;  // where commands are found; "" = /usr/sbin:/usr/bin:/sbin:/bin
  // transport: ssh — through the system OpenSSH client, so ~/.ssh/config, keys, the agent,
  // ProxyJump and known_hosts apply as the operator set them.
  std::string user;                      // "" = as ~/.ssh/config (or the local user) says
  int port = 0;                          // 0 = as ~/.ssh/config says (22)
  std::string identity;                  // a private key file ("" = the agent and defaults)
  std::vector<std::string> ssh_options;  // Key=Value, each passed as -o
  bool sudo = false;                     // run commands through `sudo -n` (default: a user that is not root)
};

struct StorageConfig {
  std::string host;
  std::string pool;
  std::string portal;                    // "192.168.125.116:3260"
  std::vector<std::string> disks;        // by-id names of the pool's disks
  std::vector<std::string> spare_disks;  // installed, in no pool: what `zpool replace` may use
  std::string service = "target";        // the systemd unit that restores LIO; "" = no systemd
  std::string portal_ip() const;
  int portal_port() const;
};

/// The parts of an "IP:PORT" portal (a missing or bad port reads as 3260).
std::string portal_ip(const std::string& portal);
int portal_port(const std::string& portal);

struct InitiatorConfig {
  std::string host;
  std::string iqn;
};

struct LunConfig {
  std::string name;    // the LUN's name in this file
  std::string target;  // IQN
  int lun = 0;
  std::string zvol;            // pool/dataset; "" when the backing device is not a zvol
  std::string device;          // backing device; defaults to /dev/zvol/<zvol>
  std::string backstore_name;  // LIO storage object name; defaults to `name`
  std::string backstore_type = "block";
  std::string portal;  // IP:PORT of its target's portal; defaults to storage.portal
  std::string backstore() const { return backstore_type + "/" + backstore_name; }
};

struct ArrayConfig {
  std::string name;    // md1
  std::string host;    // the KVM host that assembles it
  std::string device;  // /dev/md1
  std::string level = "raid1";
  std::optional<std::string> uuid;   // pins the array identity when known
  std::vector<std::string> members;  // LUN names
  std::string mountpoint;            // a filesystem mounted from it on its own host ("" = none)
  /// The name md uses for it in /proc/mdstat and /sys/block: the basename of `device`
  /// (/dev/md1 → md1). `name` is a label and never used to look md up.
  std::string kernel_name() const { return device.substr(device.rfind('/') + 1); }
};

struct VmDiskConfig {
  std::string target;        // vdb
  std::string source;        // a LUN name or an array name
  std::string guest_device;  // /dev/vdb as seen inside the VM
  std::string mountpoint;    // inside the VM ("" = not checked)
  bool boot = false;         // the disk the guest runs from (default: the first one listed)
};

struct VmConfig {
  std::string name;
  std::string host;   // KVM host
  std::string guest;  // host entry to run commands inside the VM ("" = none)
  std::vector<VmDiskConfig> disks;
};

/// A filesystem stackdr keeps mounted: inside a VM (on a VM disk) or on the KVM host itself
/// (on an array, when no VM sits between, as in the qemu lab).
struct FilesystemSite {
  std::string host;        // where mount/umount/e2fsck run
  std::string device;      // as that host names it: /dev/vdb in a VM, /dev/md1 on the host
  std::string mountpoint;  // /mnt/raid
  std::string owner;       // "sjm-explore" or "lab", for labels
};
inline FilesystemSite site_of(const VmConfig& v, const VmDiskConfig& d) {
  return {v.guest, d.guest_device, d.mountpoint, v.name};
}
inline FilesystemSite site_of(const ArrayConfig& a) {
  return {a.host, a.device, a.mountpoint, a.host};
}

/// The daemon's settings (`watch:`, all optional); `stackdr watch`'s options override each.
struct WatchConfig {
  std::string listen, webhook, mail;
  std::vector<std::string> exec;                           // argv of an alert hook
  int interval = 0, remind = 0;                            // seconds; 0 = not given
  int resolve_after = -1;                                  // seconds; -1 = not given
  std::string auto_recover;                                // off | safe | disruptive; "" = not given
  std::map<std::string, std::string> auto_recover_causes;  // cause name → off | safe | disruptive
};

/// One level of the runbook's "Emergency Contacts and Escalation": who hears of it (receivers
/// as watch: has them; none given: the daemon's own) and, for Level 2, after how long without
/// progress.
struct EscalationLevel {
  int after = 1800;  // seconds without a step finished while the stack is not healthy (Level 2)
  std::string webhook, mail;
  std::vector<std::string> exec;
};

/// `escalation: {team: {after: 30m, webhook…}, vendor: {webhook…}}`: Level 2 (the storage team:
/// no progress, or a data-loss risk) and Level 3 (the vendors: hardware failure suspected).
struct EscalationConfig {
  EscalationLevel team, vendor;
};

/// The maintenance schedule (`maintenance:`, all optional): task → daily | weekly | monthly |
/// quarterly | off. Tasks: scrub, md-check, smart, config-backup, drill. `daemon: on` lets
/// `stackdr watch` run what is due.
struct MaintenanceConfig {
  std::map<std::string, std::string> every;  // task → period word
  bool daemon = false;
  int keep_backups = 0;  // config-backup rotation; 0 = not given
};

/// `coordination: {etcd: {endpoints: [...], prefix, ttl, keepalive, ca, cert, key}}`: several
/// `stackdr watch` daemons watch this stack and only the one holding its etcd leader key acts
/// (coord/).
struct CoordinationConfig {
  std::vector<std::string> endpoints;  // http(s)://HOST:PORT of etcd's members; empty: not coordinated
  std::string ca, cert, key;        // https: the CA of etcd's certificates; this client's certificate and key
  std::string prefix = "/stackdr";  // keys live under PREFIX/stacks/NAME/
  int ttl = 10;                     // the leader lease's TTL, seconds
  int keepalive = 3;                // seconds between its renewals
};

struct Topology {
  std::string source;  // the file it came from
  std::string name;    // the stack's name (`name:`): metrics, alerts, fencing and election keys carry it
  std::string site;    // where it is (`site:`), for people and labels
  CoordinationConfig coordination;
  std::vector<HostConfig> hosts;
  StorageConfig storage;
  InitiatorConfig initiator;
  std::vector<LunConfig> luns;
  std::vector<ArrayConfig> arrays;
  std::vector<VmConfig> vms;
  WatchConfig watch;
  MaintenanceConfig maintenance;
  EscalationConfig escalation;

  const HostConfig* host(std::string_view name) const;
  const LunConfig* lun(std::string_view name) const;
  const ArrayConfig* array(std::string_view name) const;
  /// Rebuilds the name indexes; call after changing hosts, luns or arrays by hand.
  void index();
  /// True when one of the topology's VMs runs on `host` (its libvirt events matter).
  bool runs_vms(std::string_view host) const;
  /// The KVM hosts named by arrays and VMs, in first-seen order.
  std::vector<std::string> kvm_hosts() const;
  /// Every portal the initiators log in to (storage.portal and each LUN's), first-seen order.
  std::vector<std::string> portals() const;
  /// The portal a LUN's target is reached on (its own, else storage.portal).
  const std::string& portal_of(const LunConfig& l) const {
    return l.portal.empty() ? storage.portal : l.portal;
  }
  /// The udev by-path link of a LUN's disk on the initiator: a name that survives sdX renames.
  std::string by_path(const LunConfig& l) const;

 private:
  std::map<std::string, size_t, std::less<>> host_index_, lun_index_, array_index_;
};

/// A short stable hash of what the topology says the stack is (hosts, storage, LUNs, arrays,
/// VMs — not comments, order of keys or the file's name): an incident records it, and
/// `recover --resume` refuses an incident opened with another topology.
std::string topology_fingerprint(const Topology& t);

/// Where a person finds a complete example topology, for error messages.
inline constexpr std::string_view kExampleTopologyHint =
    "/usr/share/doc/stackdr/examples/stackdr.yaml (config/stackdr.yaml in the sources)";

/// The example topology (config/stackdr.yaml), compiled in. It names the runbook's real
/// addresses, so it is only ever used for the simulated stack (`stackdr lab`, `drill`, `--lab`),
/// never to reach a machine.
std::string_view example_topology_text();
inline constexpr std::string_view kExampleTopologySource = "the example topology (built in)";

/// Parses and validates a topology; errors read "FILE:LINE: what is wrong; what to write".
Result<Topology> parse_topology(std::string_view yaml_text, std::string_view source);
Result<Topology> load_topology(const std::string& path);

}  // namespace stackdr
