#pragma once
/// IndexCache: finds an element of one of SimState's vectors by its key in constant time, and
/// stays right when the vector changes under it (a session logs out, a backstore is deleted):
/// every hit is checked against the element it points at, and a miss rescans the vector and
/// remembers every element's place. The simulated stack of 8,000 LUNs looked each session up
/// by scanning them all, for every member of every array, in every rendering: cubic.

#include <string>
#include <string_view>
#include <unordered_map>

namespace stackdr::sim {

class IndexCache {
 public:
  /// The element of `v` whose key_of() is `key`, or nullptr.
  template <typename Vec, typename KeyOf>
  auto find(Vec& v, std::string_view key, KeyOf key_of) const -> decltype(&v[0]) {
    if (auto it = at_.find(std::string(key));
        it != at_.end() && it->second < v.size() && key_of(v[it->second]) == key)
      return &v[it->second];
    at_.clear();
    for (size_t i = 0; i < v.size(); ++i) at_.emplace(std::string(key_of(v[i])), i);
    auto it = at_.find(std::string(key));
    return it == at_.end() ? nullptr : &v[it->second];
  }

 private:
  mutable std::unordered_map<std::string, size_t> at_;
};

}  // namespace stackdr::sim
