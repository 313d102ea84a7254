#include "watch/stack_election.h"

#include <fmt/format.h>
#include <unistd.h>

namespace stackdr {

Result<std::unique_ptr<coord::Election>> stack_election(const Topology& t,
                                                        const std::vector<std::string>& endpoints,
                                                        const std::string& role) {
  const CoordinationConfig& c = t.coordination;
  const std::vector<std::string>& given = endpoints.empty() ? c.endpoints : endpoints;
  if (given.empty()) return std::unique_ptr<coord::Election>();
  auto parsed = coord::parse_endpoints(given);
  if (!parsed) return parsed.error();
  coord::EtcdTls tls{c.ca, c.cert, c.key};
  if (auto ok = coord::check_tls(*parsed, tls); !ok) return Error{t.source + ": " + ok.error().message};
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
