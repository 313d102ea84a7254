#include "model/read_index.h"

#include "util/text.h"

namespace stackdr {

ReadIndex::ReadIndex(const Observation& o) {
  HostReads* h_last = nullptr;  // reads come grouped by host: one lookup per run of them
  const std::string* host_last = nullptr;
  for (const auto& r : o.sources) {
    if (!host_last || *host_last != r.host) {
      h_last = &by_host_[r.host];
      host_last = &r.host;
    }
    HostReads& h = *h_last;
    h.all.push_back(&r);
    if (r.ok) continue;
    h.failed.push_back(&r);
    h.failed_exact.emplace(r.source, &r);  // keeps the first
  }
}

const ReadIndex::HostReads* ReadIndex::host(const std::string& name) const {
  auto it = by_host_.find(name);
  return it == by_host_.end() ? nullptr : &it->second;
}

const SourceRecord* ReadIndex::failed(const std::string& host_name, const std::string& source) const {
  const HostReads* h = host(host_name);
  if (!h) return nullptr;
  auto it = h->failed_exact.find(source);
  return it == h->failed_exact.end() ? nullptr : it->second;
}

namespace {
// Memoised first match: the key joins host and needle with a byte no name contains.
template <typename Match>
const SourceRecord* first_match(std::unordered_map<std::string, const SourceRecord*>& memo,
                                const std::string& host, const std::string& needle,
                                const std::vector<const SourceRecord*>& list, Match match) {
  std::string key = host + '\0' + needle;
  if (auto it = memo.find(key); it != memo.end()) return it->second;
  const SourceRecord* found = nullptr;
  for (const SourceRecord* r : list)
    if (match(r->source, needle)) {
      found = r;
      break;
    }
  memo.emplace(std::move(key), found);
  return found;
}
}  // namespace

const SourceRecord* ReadIndex::failed_naming(const std::string& host_name,
                                             const std::string& fragment) const {
  const HostReads* h = host(host_name);
  if (!h) return nullptr;
  return first_match(naming_memo_, host_name, fragment, h->failed,
                     [](const std::string& s, const std::string& f) { return text::contains(s, f); });
}

const SourceRecord* ReadIndex::any_starting(const std::string& host_name, const std::string& prefix) const {
  const HostReads* h = host(host_name);
  if (!h) return nullptr;
  // Almost always the whole source: a hash lookup. A real prefix is searched once and kept.
  if (!h->any_exact_built) {
    for (const SourceRecord* r : h->all) h->any_exact.emplace(r->source, r);  // keeps the first
    h->any_exact_built = true;
  }
  if (auto it = h->any_exact.find(prefix); it != h->any_exact.end()) return it->second;
  return first_match(starting_memo_, host_name, prefix, h->all,
                     [](const std::string& s, const std::string& p) { return text::starts_with(s, p); });
}

}  // namespace stackdr
