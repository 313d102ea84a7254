#include "model/stack_graph.h"

#include <set>

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
    up_.clear();
    for (size_t i = 0; i < nodes_.size(); ++i)
      for (const auto& d : nodes_[i].depends_on) up_[d].push_back(i);
    up_valid_ = true;
  }
  std::vector<const Node*> out;
  std::set<std::string> seen{id};
  std::vector<std::string> todo{id};
  while (!todo.empty()) {
    std::string cur = todo.back();
    todo.pop_back();
    auto it = up_.find(cur);
    if (it == up_.end()) continue;
    for (size_t i : it->second) {
      const Node* n = &nodes_[i];
      if (!seen.insert(n->id).second) continue;
      out.push_back(n);
      todo.push_back(n->id);
    }
  }
  return out;
}

bool StackGraph::rests_on_failure(const std::string& id) const {
  std::set<std::string> seen;
  std::vector<std::string> todo;
  if (const Node* n = find(id)) todo = n->depends_on;
  while (!todo.empty()) {
    std::string cur = todo.back();
    todo.pop_back();
    if (!seen.insert(cur).second) continue;
    const Node* n = find(cur);
    if (!n || n->health == Health::kDegraded) continue;
    if (n->health == Health::kFailed) return true;
    todo.insert(todo.end(), n->depends_on.begin(), n->depends_on.end());
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
