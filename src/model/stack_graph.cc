#include "model/stack_graph.h"

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

Node& StackGraph::add(Node n) {
  auto it = index_.find(n.id);
  if (it != index_.end()) return nodes_[it->second];
  index_[n.id] = nodes_.size();
  nodes_.push_back(std::move(n));
  up_valid_ = false;
  return nodes_.back();
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

std::vector<const Node*> StackGraph::dependents(const std::string& id) const {
  if (!up_valid_) {
    up_.assign(nodes_.size(), {});
    for (size_t i = 0; i < nodes_.size(); ++i)
      for (const auto& d : nodes_[i].depends_on)
        if (auto it = index_.find(d); it != index_.end()) up_[it->second].push_back(i);
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
  std::unordered_set<const Node*> seen;
  std::vector<const Node*> below;  // nodes still to look at
  auto push_below = [&](const Node& n) {
    for (const auto& d : n.depends_on)
      if (const Node* dn = find(d)) below.push_back(dn);
  };
  if (const Node* n = find(id)) push_below(*n);
  while (!below.empty()) {
    const Node* n = below.back();
    below.pop_back();
    if (!seen.insert(n).second || n->health == Health::kDegraded) continue;
    if (n->health == Health::kFailed) return true;
    push_below(*n);
  }
  return false;
}

bool StackGraph::rests_directly_on_degraded(const std::string& id) const {
  const Node* n = find(id);
  if (!n) return false;
  for (const auto& d : n->depends_on)
    if (const Node* dn = find(d); dn && dn->health == Health::kDegraded) return true;
  return false;
}

}  // namespace stackdr
