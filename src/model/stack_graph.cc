#include "model/stack_graph.h"

#include <stdexcept>
#include <unordered_set>

namespace stackdr {

const char* health_name(Health h) {
  switch (h) {
    case Health::kOk:
      return "OK";
    case Health::kDegraded:
      return "DEGRADED";
    case Health::kFailed:
      return "FAILED";
    case Health::kUnknown:
      return "UNKNOWN";
  }
  return "?";
}

const char* layer_name(Layer l) {
  switch (l) {
    case Layer::kPoolDisk:
      return "pool-disk";
    case Layer::kPool:
      return "pool";
    case Layer::kZvol:
      return "zvol";
    case Layer::kTargetService:
      return "target-service";
    case Layer::kBackstore:
      return "backstore";
    case Layer::kLun:
      return "lun";
    case Layer::kNetworkPath:
      return "network-path";
    case Layer::kSession:
      return "session";
    case Layer::kIscsiDisk:
      return "iscsi-disk";
    case Layer::kMdMember:
      return "md-member";
    case Layer::kMdArray:
      return "md-array";
    case Layer::kVmDisk:
      return "vm-disk";
    case Layer::kVm:
      return "vm";
    case Layer::kFilesystem:
      return "filesystem";
  }
  return "?";
}

size_t StackGraph::add(Node n) {
  for (size_t d : n.depends_on)
    if (d >= nodes_.size()) throw std::logic_error("graph node " + n.id + " rests on a node not yet added");
  size_t i = nodes_.size();
  auto [at, added] = index_.try_emplace(n.id, i);  // one hash of the id, not a find and an insert
  if (!added) return at->second;
  nodes_.push_back(std::move(n));
  up_valid_ = false;
  return i;
}

void StackGraph::reserve(size_t nodes) {
  nodes_.reserve(nodes);
  index_.reserve(nodes);
}

const Node* StackGraph::find(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &nodes_[it->second];
}
Node* StackGraph::find(const std::string& id) {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &nodes_[it->second];
}
std::optional<size_t> StackGraph::index_of(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? std::nullopt : std::optional<size_t>(it->second);
}

std::vector<const Node*> StackGraph::dependents(const std::string& id) const {
  if (!up_valid_) {
    up_.assign(nodes_.size(), {});
    for (size_t i = 0; i < nodes_.size(); ++i)
      for (size_t d : nodes_[i].depends_on) up_[d].push_back(i);
    up_valid_ = true;
  }
  std::vector<const Node*> out;
  auto start = index_.find(id);
  if (start == index_.end()) return out;
  std::vector<bool> seen(nodes_.size());
  seen[start->second] = true;
  std::vector<size_t> worklist{start->second};
  while (!worklist.empty()) {
    size_t cur = worklist.back();
    worklist.pop_back();
    for (size_t i : up_[cur]) {
      if (seen[i]) continue;
      seen[i] = true;
      out.push_back(&nodes_[i]);
      worklist.push_back(i);
    }
  }
  return out;
}

bool StackGraph::rests_on_failure(const std::string& id) const {
  auto start = index_.find(id);
  if (start == index_.end()) return false;
  // A set of the few nodes walked, not a flag per node: diagnosis asks this of every unhealthy
  // node, and a stack-wide outage makes them all unhealthy.
  std::unordered_set<size_t> seen;
  std::vector<size_t> below(nodes_[start->second].depends_on);  // nodes still to look at
  while (!below.empty()) {
    size_t i = below.back();
    below.pop_back();
    const Node& n = nodes_[i];
    if (n.health == Health::kDegraded || !seen.insert(i).second) continue;
    if (n.health == Health::kFailed) return true;
    below.insert(below.end(), n.depends_on.begin(), n.depends_on.end());
  }
  return false;
}

bool StackGraph::rests_directly_on_degraded(const std::string& id) const {
  const Node* n = find(id);
  if (!n) return false;
  for (size_t d : n->depends_on)
    if (nodes_[d].health == Health::kDegraded) return true;
  return false;
}

}  // namespace stackdr
