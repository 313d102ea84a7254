#include "diagnose/diagnoser.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace stackdr {

namespace {

// Each sub-cause: its runbook scenario, the runbook section, and a sentence for the summary.
struct CauseInfo {
  int scenario;
  const char* runbook;
  const char* words;
};

const std::map<Cause, CauseInfo>& causes() {
  static const std::map<Cause, CauseInfo> m = {
      {Cause::kLunMissing,
       {1, "Scenario 1, Step 1: target configuration issue",
        "the LUN is no longer mapped in its target's TPG"}},
      {Cause::kTargetMissing,
       {1, "Scenario 1, Step 1: target configuration issue", "the iSCSI target is missing from LIO"}},
      {Cause::kTpgDisabled,
       {1, "Scenario 1, Step 1: target configuration issue", "the target's TPG is disabled"}},
      {Cause::kAclMissing,
       {1, "Scenario 1, Step 1: target configuration issue", "the initiator's ACL is missing"}},
      {Cause::kPortalMissing,
       {1, "Scenario 1, Step 1: target configuration issue", "the TPG has no portal for the storage IP"}},
      {Cause::kBackstoreMissing,
       {1, "Scenario 1, Step 1: recreate backstore", "the LIO backstore is gone (its LUN went with it)"}},
      {Cause::kBackstoreWrongDevice,
       {1, "Scenario 1, Step 1: recreate backstore", "the backstore points at the wrong device"}},
      {Cause::kZvolMissing, {1, "Scenario 1, Step 1: if zvol missing", "the zvol has no device node"}},
      {Cause::kZvolRenamed,
       {1, "Scenario 1, Step 1: if zvol missing",
        "the zvol was renamed: the backstore's device path is gone"}},
      {Cause::kSessionDown,
       {1, "Scenario 1, Step 2: reconnect on KVM host",
        "the iSCSI session is down while its target is fine"}},
      {Cause::kDiskMissing,
       {1, "Scenario 1, Step 2: reconnect on KVM host", "the session has no disk for the LUN"}},
      {Cause::kDiskOffline, {1, "Scenario 1, Step 2: reconnect on KVM host", "the iSCSI disk is offline"}},
      {Cause::kMemberFaulty,
       {1, "Scenario 1, Step 3: re-add to RAID", "md failed the member although its path is healthy again"}},
      {Cause::kMemberMissing,
       {1, "Scenario 1, Step 3: re-add to RAID",
        "the member is not in the array although its disk is present"}},
      {Cause::kWriteErrors, {1, "Scenario 1, Step 3: re-add to RAID", "the member recorded write errors"}},
      {Cause::kBadBlocks,
       {2, "Scenario 2, Step 4 (bad-block logs after losing every leg)",
        "md recorded failed writes as bad blocks"}},
      {Cause::kTargetNotListening,
       {2, "Scenario 2, Step 1: verify iSCSI service listening",
        "the target service is down: no targets, nothing listening on the portal"}},
      {Cause::kPortalUnreachable,
       {2, "Scenario 2, Step 1: restore network", "the storage portal does not answer from the KVM host"}},
      {Cause::kVdevFaulted, {3, "Scenario 3: mirror member failure", "a pool disk is FAULTED/UNAVAIL"}},
      {Cause::kVdevDegraded, {3, "Scenario 3: mirror member failure", "a pool disk is degraded"}},
      {Cause::kVdevErrors,
       {3, "Scenario 3: zpool clear / scrub", "a pool disk reports I/O or checksum errors"}},
      {Cause::kDiskSmartWarning, {3, "Scenario 3: check SMART status", "SMART predicts a disk failure"}},
      {Cause::kPoolDegraded, {3, "Scenario 3", "the pool is degraded"}},
      {Cause::kPoolFaulted, {3, "Scenario 3", "the pool is faulted"}},
      {Cause::kPoolMissing, {3, "Scenario 3", "the pool is not imported"}},
      {Cause::kSuperblockInvalid,
       {4, "Scenario 4: corrupted MD metadata", "a member has no valid md superblock"}},
      {Cause::kSuperblockForeign,
       {4, "Scenario 4: check for UUID mismatches", "a member's superblock belongs to another array"}},
      {Cause::kEventsMismatch,
       {4, "Scenario 4, Step 1: assemble --force / Step 2",
        "a member's event count is behind the freshest copy"}},
      {Cause::kArrayInactive, {4, "Scenario 4", "the array is inactive"}},
      {Cause::kArrayStopped, {4, "Scenario 4", "the array is not assembled"}},
      {Cause::kArrayBroken, {2, "Scenario 2, Step 4", "the array is broken: md lost every leg"}},
      {Cause::kArrayFailed, {2, "Scenario 2, Step 4", "the array has no working member"}},
      {Cause::kArrayDegraded, {1, "Scenario 1", "the array is degraded"}},
      {Cause::kRebuilding, {1, "Scenario 1, Step 4: verify recovery", "the member is rebuilding"}},
      {Cause::kVmDiskDetached,
       {5, "Scenario 5, Step 3: VM attachment issue", "the disk is not attached to the VM"}},
      {Cause::kVmDiskWrongSource,
       {5, "Scenario 5, Step 3: VM attachment issue", "the VM disk points at the wrong device"}},
      {Cause::kFsReadonly, {5, "Scenario 5, Step 4: inside VM — remount", "the filesystem went read-only"}},
      {Cause::kFsNotMounted, {5, "Scenario 5, Step 4: inside VM — remount", "the filesystem is not mounted"}},
      {Cause::kVmNotRunning, {5, "Scenario 2, Step 5: recover VMs", "the VM is not running"}},
      {Cause::kVmMissing, {5, "Scenario 5", "the VM is not defined on its host"}},
      {Cause::kVmFrozen,
       {2, "Scenario 2, Step 5: recover VMs", "the VM's boot disk is failed: the guest is frozen"}},
      {Cause::kVmDiskLost, {5, "Scenario 5", "a data disk of the VM is failed"}},
  };
  return m;
}

bool is_consumer(Layer l) {
  return l == Layer::kMdArray || l == Layer::kVm || l == Layer::kFilesystem || l == Layer::kVmDisk;
}

// The UNKNOWN node an unhealthy root candidate rests on directly, if any.
const Node* unknown_below(const StackGraph& g, const Node& n) {
  for (size_t d : n.depends_on)
    if (const Node& dn = g.node(d); dn.health == Health::kUnknown) return &dn;
  return nullptr;
}

bool unhealthy(const Node& n) {
  return n.health == Health::kFailed || n.health == Health::kDegraded;
}

}  // namespace

Finding finding_of(Cause cause, const std::string& root, const std::string& label, Layer layer,
                   const std::string& host, Health health) {
  Finding f;
  f.cause = cause;
  f.root = root;
  f.root_label = label;
  f.layer = layer_name(layer);
  f.host = host;
  f.health = health;
  auto info = causes().find(cause);
  f.scenario = info == causes().end() ? 0 : info->second.scenario;
  f.runbook = info == causes().end() ? "" : info->second.runbook;
  f.summary = fmt::format("{}: {}", label, info == causes().end() ? cause_name(cause) : info->second.words);
  return f;
}

int scenario_of(Cause cause) {
  auto it = causes().find(cause);
  return it == causes().end() ? 0 : it->second.scenario;
}

std::vector<Unexplained> unexplained(const StackGraph& g) {
  std::vector<Unexplained> out;
  for (const Node& n : g.nodes()) {
    if (!unhealthy(n) || g.rests_on_failure(n.id)) continue;
    if (const Node* u = unknown_below(g, n)) out.push_back({&n, u});
  }
  return out;
}

std::vector<Finding> diagnose(const StackGraph& g) {
  std::vector<Finding> out;
  for (const Node& n : g.nodes()) {
    if (!unhealthy(n)) continue;
    if (g.rests_on_failure(n.id)) continue;  // a symptom of something below
    if (unknown_below(g, n)) continue;       // its cause may be what could not be read
    // A degraded node directly on a degraded one is explained by it (array ← rebuilding member).
    if (n.health == Health::kDegraded && g.rests_directly_on_degraded(n.id)) continue;
    Finding f = finding_of(n.cause, n.id, n.label, n.layer, n.host, n.health);
    for (const auto& e : n.evidence)
      if (!e.unread) f.evidence.push_back(e);
    for (const Node* d : g.dependents(n.id)) {
      if (unhealthy(*d) && d->layer != Layer::kPool)  // an UNKNOWN node proves nothing
        for (const auto& e : d->evidence)
          if (f.evidence.size() < 12 && !e.unread) f.evidence.push_back(e);
      if (is_consumer(d->layer) && d->layer != Layer::kVmDisk)
        f.impacted.push_back({d->id, layer_name(d->layer), d->label, d->health});
    }
    out.push_back(std::move(f));
  }
  // Bottom-up, as the runbook's Scenario 5 tests the layers.
  std::stable_sort(out.begin(), out.end(), [&](const Finding& a, const Finding& b) {
    return static_cast<int>(g.find(a.root)->layer) < static_cast<int>(g.find(b.root)->layer);
  });
  return out;
}

int status_code(const StackGraph& g) {
  bool warn = false, unknown = false;
  for (const Node& n : g.nodes()) {
    if (n.health == Health::kUnknown) unknown = true;
    if (!unhealthy(n)) continue;
    warn = true;
    if (n.health == Health::kFailed && (is_consumer(n.layer) || n.layer == Layer::kPool)) return 2;
  }
  if (unknown) return 3;
  return warn ? 1 : 0;
}

const char* status_word(int code) {
  switch (code) {
    case 0:
      return "OK";
    case 1:
      return "WARNING";
    case 2:
      return "CRITICAL";
    default:
      return "UNKNOWN";
  }
}

}  // namespace stackdr
