#pragma once
/// StackGraph: the stack as nodes with identities that survive renames (a LUN is target IQN +
/// LUN number, an iSCSI disk is the same on the KVM host, an array is its UUID, a member is
/// array + slot), edges saying what rests on what, and a health per node with the evidence
/// (host, source, line) that set it.

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/cause.h"

namespace stackdr {

enum class Health { kOk, kDegraded, kFailed, kUnknown };
const char* health_name(Health h);  // OK DEGRADED FAILED UNKNOWN

/// The layers bottom-up, in the order the runbook's Scenario 5 tests them.
enum class Layer {
  kPoolDisk,
  kPool,
  kZvol,
  kTargetService,
  kBackstore,
  kLun,
  kNetworkPath,
  kSession,
  kIscsiDisk,
  kMdMember,
  kMdArray,
  kVmDisk,
  kVm,
  kFilesystem
};
const char* layer_name(Layer l);

/// One line of proof: which host, which source, what it said.
struct Evidence {
  std::string host, source, text;
  bool unread = false;  // "could not read": why a node is UNKNOWN, never proof of anything
};

/// What is under way on a node: an md resync or recovery, a pool's resilver or scrub.
struct Progressing {
  std::string action;  // md: resync recovery check repair reshape; pool: resilver scrub
  double percent = 0;
  std::optional<double> finish_minutes;  // md's own estimate (mdstat finish=)
};

/// The facts of a node that code reads back, typed as the probes gave them. The graph builder
/// sets them through its setters, which also write the text in `Node::attrs` that reports
/// show; nothing parses that text back.
struct NodeFacts {
  std::string device;                      // kernel name today: sdc (iSCSI disk, member), backstore device
  std::optional<int> sid;                  // iSCSI session id
  std::optional<int> replacement_timeout;  // the session's recovery timeout, seconds
  std::string serial;                      // the disk's SCSI unit serial (LIO's, through the session)
  std::string renamed_to;                  // a zvol found under another name (its stackdr:lun property)
  std::optional<Progressing> progress;     // a resync, resilver or scrub under way
};

struct Node {
  std::string id;  // stable identity, e.g. "lun:iqn.2003-01...:test02/0"
  Layer layer = Layer::kPool;
  std::string host;   // where it lives
  std::string label;  // what a person calls it: "LUN 0 of iqn...:test02 (test02)"
  Health health = Health::kOk;
  Cause cause = Cause::kNone;  // sub-cause when not OK: lun-missing, session-down, ...
  std::vector<Evidence> evidence;
  /// The nodes it rests on, by their place in StackGraph::nodes(): each was added before this
  /// one, so the edges can never form a loop (and a graph is walked without hashing ids).
  std::vector<size_t> depends_on;
  std::map<std::string, std::string> attrs;  // what reports show: device=sdc, sync=recovery 42.0% …
  NodeFacts facts = {};
};

class StackGraph {
 public:
  /// Adds `n` and returns its place in nodes(); a node whose id is already there is not added
  /// again (the place of the first is returned). Throws std::logic_error when `n` rests on a
  /// node not yet added: a builder bug, never a fact of the stack.
  size_t add(Node n);
  void reserve(size_t nodes);
  const Node* find(const std::string& id) const;
  Node* find(const std::string& id);
  std::optional<size_t> index_of(const std::string& id) const;
  const std::vector<Node>& nodes() const { return nodes_; }
  const Node& node(size_t i) const { return nodes_.at(i); }
  /// Nodes that rest on `id`, directly or through others.
  std::vector<const Node*> dependents(const std::string& id) const;
  /// True when a FAILED node lies below `id` on a path that redundancy did not absorb: the
  /// walk passes OK nodes (their own facts may not show a failure below them) but stops at a
  /// DEGRADED node, which by definition still serves what rests on it.
  bool rests_on_failure(const std::string& id) const;
  /// True when a node `id` rests on directly is DEGRADED.
  bool rests_directly_on_degraded(const std::string& id) const;

 private:
  std::vector<Node> nodes_;
  std::unordered_map<std::string, size_t> index_;
  // Reverse edges, built on first use after the last add(): diagnosis asks for dependents of
  // every root, so this keeps a whole diagnosis linear in the size of the graph.
  mutable std::vector<std::vector<size_t>> up_;  // up_[i]: nodes resting directly on node i
  mutable bool up_valid_ = false;
};

}  // namespace stackdr
