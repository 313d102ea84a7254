#pragma once
/// The graph builder behind build_graph() (graph_builder.h), shared by its files: one per part
/// of the stack — graph_storage.cc (pool, zvols, LIO), graph_initiator.cc (paths, sessions,
/// disks), graph_md.cc (arrays, members), graph_vm.cc (VMs, their disks, filesystems) — with the
/// lookups, the order of the build and the setters in graph_builder.cc. Internal to model/.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "model/graph_builder.h"
#include "model/read_index.h"
#include "probe/lio_configfs.h"

namespace stackdr::graph {

/// The setters of the typed facts code reads back (NodeFacts), each writing the text reports
/// show beside it.
void set_device(Node& n, const std::string& dev);
/// attrs[key]: "recovery 42.0%" (md, one decimal as mdstat prints it) or "scrub 12.34%" (zpool
/// status prints two); md's estimate as "finish": "12.3min".
void set_progress(Node& n, const char* key, Progressing p, int decimals);
/// Adds evidence; the node's health and cause become these when they are worse.
void worsen(Node& n, Health h, Cause cause, Evidence e);

/// The source LIO facts are cited under: the configfs tree the observer reads.
inline const std::string kLio(kLioConfigfsRoot);

/// A source that could not be read makes the nodes it feeds UNKNOWN, with the reason: the
/// first failed read on that host that names the source (LIO is read by two commands and two
/// parsers, all naming its configfs root; a host pings several portals), else the read itself.
bool unknown_if_missing(Node& n, bool have, const ReadIndex& reads, const std::string& host,
                        const std::string& source);

class Builder {
 public:
  Builder(const Topology& t, const Observation& o) : t_(t), o_(o), reads_(o) {}

  // In two halves: the storage server's nodes need no md state, so a caller may work the md
  // states out meanwhile.
  void build_storage() {
    // About six nodes per LUN (zvol, backstore, LUN, session, disk, member), two per array.
    g_.reserve(t_.luns.size() * 6 + t_.arrays.size() * 2 + t_.vms.size() * 4 + 16);
    index();
    storage();
  }
  StackGraph build_rest(const std::map<std::string, MdArrayState>& md) {
    md_ = &md;
    for (const auto& [host, facts] : o_.kvm) kvm(host, facts);
    vms();
    return std::move(g_);
  }

 private:
  // Lookups by identity, built once so that a build stays linear in the size of the stack.
  // Keys and values are views of the observation and the topology, which outlive the build:
  // copying them was some 10,000 allocations at 1,000 arrays.
  struct HostIndex {
    IscsiDiskIndex device;                                              // (IQN, LUN) → sdX
    std::unordered_map<std::string_view, const IscsiSession*> session;  // IQN → session
    std::unordered_map<std::string_view, std::string_view> disk_state;  // sdX → running / blocked / ...
    std::unordered_map<std::string_view, const BlockDevice*> block;     // sdX → lsblk row
  };

  // A KVM host's nodes that others rest on, by what names them.
  struct HostNodes {
    std::unordered_map<std::string, size_t> path;  // portal → network path
    std::unordered_map<std::string, size_t> disk;  // LUN name → iSCSI disk
  };

  // ---- graph_builder.cc ----
  /// The lookups by identity, built once so that a build stays linear in the size of the stack.
  void index();

  // ---- graph_storage.cc ----
  void storage();

  void pool(const StorageFacts& s, const std::string& host);

  /// The volume whose stackdr:lun names this LUN, when it is not the topology's zvol ("" = none
  /// read, or more than one: which is the LUN's is then a person's call).
  static std::string renamed_to(const StorageFacts& s, const LunConfig& l);

  std::optional<size_t> zvol(const StorageFacts& s, const std::string& host, const LunConfig& l);

  size_t backstore(const StorageFacts& s, const std::string& host, const LunConfig& l,
                   std::optional<size_t> zvol);

  size_t lun(const StorageFacts& s, const std::string& host, const LunConfig& l, size_t backstore);

  // ---- graph_initiator.cc ----
  void kvm(const std::string& host, const KvmFacts& k);

  size_t network_path(const std::string& host, const KvmFacts& k, const std::string& portal);

  bool uses_lun(const std::string& host, const std::string& lun) const;

  void klog_evidence(Node& n, const KvmFacts& k, const std::string& host,
                     const std::function<bool(const KernelEvent&)>& match);

  size_t session(const std::string& host, const KvmFacts& k, const LunConfig& l, const HostNodes& at);

  size_t disk(const std::string& host, const KvmFacts& k, const LunConfig& l, size_t session);

  // ---- graph_md.cc ----
  size_t array(const std::string& host, const KvmFacts& k, const ArrayConfig& a, const HostNodes& at);

  /// A member's health from what was seen of it. Each branch needs its evidence to have been
  /// read: a disk not listed, a superblock not examined or an mdstat not read is UNKNOWN, never
  /// "missing".
  size_t member(const std::string& host, const KvmFacts& k, const MdArrayState& a, const MdMemberState& m,
                const LunConfig& l, int64_t freshest, const HostNodes& at);

  // ---- graph_vm.cc ----
  void vms();

  /// The node a VM disk's source names: an array, or an iSCSI disk on the VM's host.
  std::optional<size_t> disk_source(const std::string& host, const std::string& source) const;

  /// What a failed disk does to the guest (runbook: VMs freeze when their storage goes): a
  /// failed boot disk stops every I/O of the guest, so the VM is FAILED; a failed data disk
  /// leaves it running without that disk, DEGRADED (its filesystem node says whether that data
  /// is down).
  void impact(Node& vm, const VmConfig& v);

  size_t vm_disk(const VmConfig& v, const VmDiskConfig& dc, const KvmFacts* k);

  /// A filesystem on a VM disk (checked inside the VM) or on an array (checked on its host).
  void filesystem(const FilesystemSite& f, std::vector<size_t> depends_on);

  const Topology& t_;
  const Observation& o_;
  const std::map<std::string, MdArrayState>* md_ = nullptr;  // set by build_rest()
  ReadIndex reads_;
  StackGraph g_;
  // Where the nodes others rest on were added (their place in g_), so an edge is an index,
  // never an id to rebuild and look up.
  size_t lio_ = 0;
  std::optional<size_t> pool_;
  std::unordered_map<const LunConfig*, size_t> lun_at_;
  std::unordered_map<const ArrayConfig*, size_t> array_at_;
  std::map<std::string, HostNodes> at_;  // by KVM host
  std::map<std::string, HostIndex> idx_;
  std::map<std::string, std::unordered_set<std::string_view>> used_;  // host → LUNs and arrays in use
  std::unordered_map<std::string_view, std::string_view> volmode_;    // zvol → volmode
  std::unordered_set<std::string_view> zvol_links_;                   // names under /dev/zvol/POOL
  std::unordered_map<std::string, const LioBackstore*> backstores_;   // "block/name" → backstore
  std::unordered_map<std::string_view, const LioTarget*> targets_;    // IQN → target
};

}  // namespace stackdr::graph
