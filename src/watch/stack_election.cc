#include "watch/stack_election.h"

#include <fmt/format.h>
#include <unistd.h>

namespace stackdr {

Result<std::unique_ptr<coord::Election>> stack_election(const Topology& t, const EtcdOverride& given,
                                                        const std::string& role) {
  const CoordinationConfig& c = t.coordination;
  const std::vector<std::string>& endpoints = given.endpoints.empty() ? c.endpoints : given.endpoints;
  if (endpoints.empty()) return std::unique_ptr<coord::Election>();
  auto parsed = coord::parse_endpoints(endpoints);
  if (!parsed) return parsed.error();
  auto pick = [](const std::string& flag, const std::string& topo) { return flag.empty() ? topo : flag; };
  coord::EtcdTls tls{pick(given.tls.ca, c.ca), pick(given.tls.cert, c.cert), pick(given.tls.key, c.key)};
  bool from_flags =
      !given.endpoints.empty() || !given.tls.ca.empty() || !given.tls.cert.empty() || !given.tls.key.empty();
  if (auto ok = coord::check_tls(*parsed, tls); !ok)
    return Error{(from_flags ? t.source + " with --etcd options: " : t.source + ": ") + ok.error().message};
  if (t.name.empty())
    return Error{t.source +
                 ": with etcd the stack needs a name (`name: NAME` at the top level): its election "
                 "and its fencing tokens are kept under it"};
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  coord::ElectionSettings s;
  s.key = c.prefix + "/stacks/" + t.name + "/leader";
  s.holder = fmt::format("stackdr {} pid {} on {}", role, ::getpid(), host);
  s.ttl_s = c.ttl;
  s.keepalive_s = c.keepalive;
  return std::make_unique<coord::Election>(coord::EtcdClient(*parsed, std::chrono::milliseconds(2000), tls),
                                           s);
}

Result<bool> raise_fence_on_hosts(const Topology& t, const HostLookup& hosts, const Fence& f) {
  for (const auto& h : t.hosts) {
    Host* m = hosts(h.name);
    if (!m) continue;
    if (auto r = m->raise_fence(f); !r) return r.error();
  }
  return true;
}

}  // namespace stackdr
