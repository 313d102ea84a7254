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

const std::map<std::string, CauseInfo>& causes() {
  static const std::map<std::string, CauseInfo> m = {
      {"lun-missing",
       {1, "Scenario 1, Step 1: target configuration issue",
        "the LUN is no longer mapped in its target's TPG"}},
      {"target-missing",
       {1, "Scenario 1, Step 1: target configuration issue", "the iSCSI target is missing from LIO"}},
      {"tpg-disabled", {1, "Scenario 1, Step 1: target configuration issue", "the target's TPG is disabled"}},
      {"acl-missing",
       {1, "Scenario 1, Step 1: target configuration issue", "the initiator's ACL is missing"}},
      {"portal-missing",
       {1, "Scenario 1, Step 1: target configuration issue", "the TPG has no portal for the storage IP"}},
      {"backstore-missing",
       {1, "Scenario 1, Step 1: recreate backstore", "the LIO backstore is gone (its LUN went with it)"}},
      {"backstore-wrong-device",
       {1, "Scenario 1, Step 1: recreate backstore", "the backstore points at the wrong device"}},
      {"zvol-missing", {1, "Scenario 1, Step 1: if zvol missing", "the zvol has no device node"}},
      {"session-down",
       {1, "Scenario 1, Step 2: reconnect on KVM host",
        "the iSCSI session is down while its target is fine"}},
      {"disk-missing",
       {1, "Scenario 1, Step 2: reconnect on KVM host", "the session has no disk for the LUN"}},
      {"disk-offline", {1, "Scenario 1, Step 2: reconnect on KVM host", "the iSCSI disk is offline"}},
      {"member-faulty",
       {1, "Scenario 1, Step 3: re-add to RAID", "md failed the member although its path is healthy again"}},
      {"member-missing",
       {1, "Scenario 1, Step 3: re-add to RAID",
        "the member is not in the array although its disk is present"}},
      {"write-errors", {1, "Scenario 1, Step 3: re-add to RAID", "the member recorded write errors"}},
      {"bad-blocks",
       {2, "Scenario 2, Step 4 (bad-block logs after losing every leg)",
        "md recorded failed writes as bad blocks"}},
      {"target-not-listening",
       {2, "Scenario 2, Step 1: verify iSCSI service listening",
        "the target service is down: no targets, nothing listening on the portal"}},
      {"portal-unreachable",
       {2, "Scenario 2, Step 1: restore network", "the storage portal does not answer from the KVM host"}},
      {"vdev-faulted", {3, "Scenario 3: mirror member failure", "a pool disk is FAULTED/UNAVAIL"}},
      {"vdev-degraded", {3, "Scenario 3: mirror member failure", "a pool disk is degraded"}},
      {"vdev-errors", {3, "Scenario 3: zpool clear / scrub", "a pool disk reports I/O or checksum errors"}},
      {"disk-smart-warning", {3, "Scenario 3: check SMART status", "SMART predicts a disk failure"}},
      {"pool-degraded", {3, "Scenario 3", "the pool is degraded"}},
      {"pool-faulted", {3, "Scenario 3", "the pool is faulted"}},
      {"pool-missing", {3, "Scenario 3", "the pool is not imported"}},
      {"superblock-invalid", {4, "Scenario 4: corrupted MD metadata", "a member has no valid md superblock"}},
      {"superblock-foreign",
       {4, "Scenario 4: check for UUID mismatches", "a member's superblock belongs to another array"}},
      {"events-mismatch",
       {4, "Scenario 4, Step 1: assemble --force / Step 2",
        "a member's event count is behind the freshest copy"}},
      {"array-inactive", {4, "Scenario 4", "the array is inactive"}},
      {"array-stopped", {4, "Scenario 4", "the array is not assembled"}},
      {"array-broken", {2, "Scenario 2, Step 4", "the array is broken: md lost every leg"}},
      {"array-failed", {2, "Scenario 2, Step 4", "the array has no working member"}},
      {"array-degraded", {1, "Scenario 1", "the array is degraded"}},
      {"rebuilding", {1, "Scenario 1, Step 4: verify recovery", "the member is rebuilding"}},
      {"vm-disk-detached",
       {5, "Scenario 5, Step 3: VM attachment issue", "the disk is not attached to the VM"}},
      {"vm-disk-wrong-source",
       {5, "Scenario 5, Step 3: VM attachment issue", "the VM disk points at the wrong device"}},
      {"fs-readonly", {5, "Scenario 5, Step 4: inside VM — remount", "the filesystem went read-only"}},
      {"fs-not-mounted", {5, "Scenario 5, Step 4: inside VM — remount", "the filesystem is not mounted"}},
      {"vm-not-running", {5, "Scenario 2, Step 5: recover VMs", "the VM is not running"}},
      {"vm-missing", {5, "Scenario 5", "the VM is not defined on its host"}},
      {"vm-frozen",
       {2, "Scenario 2, Step 5: recover VMs", "the VM's boot disk is failed: the guest is frozen"}},
      {"vm-disk-lost", {5, "Scenario 5", "a data disk of the VM is failed"}},
  };
  return m;
}

bool is_consumer(Layer l) {
  return l == Layer::kMdArray || l == Layer::kVm || l == Layer::kFilesystem || l == Layer::kVmDisk;
}

// The UNKNOWN node an unhealthy root candidate rests on directly, if any.
const Node* unknown_below(const StackGraph& g, const Node& n) {
  for (const auto& d : n.depends_on)
    if (const Node* dn = g.find(d); dn && dn->health == Health::kUnknown) return dn;
  return nullptr;
}

bool unhealthy(const Node& n) {
  return n.health == Health::kFailed || n.health == Health::kDegraded;
}

}  // namespace

int scenario_of(const std::string& cause) {
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
    Finding f;
    f.cause = n.cause;
    f.root = n.id;
    f.root_label = n.label;
    f.layer = layer_name(n.layer);
    f.host = n.host;
    f.health = n.health;
    auto info = causes().find(n.cause);
    f.scenario = info == causes().end() ? 0 : info->second.scenario;
    f.runbook = info == causes().end() ? "" : info->second.runbook;
    f.summary = fmt::format("{}: {}", n.label, info == causes().end() ? n.cause : info->second.words);
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
