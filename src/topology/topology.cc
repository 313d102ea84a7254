#include "topology/topology.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "topology/name_rules.h"
#include "util/bounded_file.h"
#include "util/text.h"

namespace stackdr {

std::string portal_ip(const std::string& portal) {
  return portal.substr(0, portal.rfind(':'));
}
int portal_port(const std::string& portal) {
  auto p = text::to_int(std::string_view(portal).substr(portal.rfind(':') + 1));
  return p ? static_cast<int>(*p) : 3260;
}
const char* transport_name(Transport t) {
  return t == Transport::kSsh ? "ssh" : "local";
}

std::string StorageConfig::portal_ip() const {
  return stackdr::portal_ip(portal);
}
int StorageConfig::portal_port() const {
  return stackdr::portal_port(portal);
}

namespace {

// Lookup through an index, checked against the vector so a stale index can never lie.
template <typename T>
const T* lookup(const std::vector<T>& v, const std::map<std::string, size_t, std::less<>>& idx,
                std::string_view n) {
  auto it = idx.find(n);
  if (it != idx.end() && it->second < v.size() && v[it->second].name == n) return &v[it->second];
  for (const auto& x : v)  // index not built yet (topology assembled by hand)
    if (x.name == n) return &x;
  return nullptr;
}

template <typename T>
void build_index(const std::vector<T>& v, std::map<std::string, size_t, std::less<>>& idx) {
  idx.clear();
  for (size_t i = 0; i < v.size(); ++i) idx.emplace(v[i].name, i);
}

}  // namespace

const HostConfig* Topology::host(std::string_view n) const {
  return lookup(hosts, host_index_, n);
}
const LunConfig* Topology::lun(std::string_view n) const {
  return lookup(luns, lun_index_, n);
}
const ArrayConfig* Topology::array(std::string_view n) const {
  return lookup(arrays, array_index_, n);
}

void Topology::index() {
  build_index(hosts, host_index_);
  build_index(luns, lun_index_);
  build_index(arrays, array_index_);
}
bool Topology::runs_vms(std::string_view host) const {
  return std::any_of(vms.begin(), vms.end(), [&](const VmConfig& v) { return v.host == host; });
}

std::vector<std::string> Topology::kvm_hosts() const {
  std::vector<std::string> out;
  auto add = [&](const std::string& h) {
    if (std::find(out.begin(), out.end(), h) == out.end()) out.push_back(h);
  };
  for (const auto& a : arrays) add(a.host);
  for (const auto& v : vms) add(v.host);
  if (out.empty() && !initiator.host.empty()) add(initiator.host);
  return out;
}
std::string Topology::by_path(const LunConfig& l) const {
  return fmt::format("/dev/disk/by-path/ip-{}-iscsi-{}-lun-{}", portal_of(l), l.target, l.lun);
}
std::vector<std::string> Topology::portals() const {
  std::vector<std::string> out;  // none named (a skeleton of `stackdr init`): nothing to reach
  if (!storage.portal.empty()) out.push_back(storage.portal);
  for (const auto& l : luns)
    if (!portal_of(l).empty() && std::find(out.begin(), out.end(), portal_of(l)) == out.end())
      out.push_back(portal_of(l));
  return out;
}

namespace {

// A value as it can be shown in an error, whatever its bytes: control and non-ASCII bytes as \xNN.
std::string printable(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f || c >= 0x80)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

// A config error carries the file and line of the node it is about.
struct ConfigError {
  std::string message;
};

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
    int line = at.IsDefined() ? at.Mark().line + 1 : 0;
    throw ConfigError{line > 0 ? fmt::format("{}:{}: {}", source_, line, what)
                               : fmt::format("{}: {}", source_, what)};
  }

  std::string str(const YAML::Node& parent, const char* key, const std::string& ctx,
                  const std::string& hint) const {
    YAML::Node n = parent[key];
    if (!n) fail(parent, fmt::format("{}: missing '{}' ({})", ctx, key, hint));
    if (!n.IsScalar()) fail(n, fmt::format("{}.{}: expected a single value ({})", ctx, key, hint));
    return n.as<std::string>();
  }

  std::string opt_str(const YAML::Node& parent, const char* key, const std::string& ctx,
                      std::string dflt = "") const {
    YAML::Node n = parent[key];
    if (!n) return dflt;
    if (!n.IsScalar()) fail(n, fmt::format("{}.{}: expected a single value", ctx, key));
    return n.as<std::string>();
  }

  int integer(const YAML::Node& parent, const char* key, const std::string& ctx, int dflt, int lo, int hi,
              const char* why) const {
    YAML::Node n = parent[key];
    if (!n) return dflt;
    auto v = n.IsScalar() ? text::to_int(n.Scalar()) : std::nullopt;
    if (!v)
      fail(n, fmt::format("{}.{}: expected a whole number, got '{}'", ctx, key,
                          n.IsScalar() ? printable(n.Scalar()) : "a list or map"));
    if (*v < lo || *v > hi)
      fail(n, fmt::format("{}.{}: {} is out of range: {} ({}–{})", ctx, key, *v, why, lo, hi));
    return static_cast<int>(*v);
  }

  // Refuses `value` when `rule` says why; the message names the field, the value and the rule.
  void check(const YAML::Node& at, const std::string& field, const std::string& value,
             std::optional<std::string> (*rule)(std::string_view)) const {
    if (auto why = rule(value)) fail(at, fmt::format("{}: '{}' {}", field, printable(value), *why));
  }

  std::vector<std::string> list(const YAML::Node& parent, const char* key, const std::string& ctx) const {
    std::vector<std::string> out;
    YAML::Node n = parent[key];
    if (!n) return out;
    if (!n.IsSequence()) fail(n, fmt::format("{}.{}: expected a list, e.g. [a, b]", ctx, key));
    for (const auto& e : n) {
      if (!e.IsScalar()) fail(e, fmt::format("{}.{}: every entry must be a single value", ctx, key));
      out.push_back(e.as<std::string>());
    }
    return out;
  }

  // An IP:PORT portal, checked: a bare IP would send iscsiadm to the wrong place silently.
  std::string portal(const YAML::Node& parent, const std::string& ctx, std::string value) const {
    check(parent["portal"] ? parent["portal"] : parent, ctx + ".portal", value, name_rules::portal);
    return value;
  }

  // YAML says a mapping's keys are unique, but yaml-cpp keeps both of two equal keys and
  // answers lookups from the first: a second `storage:` host or `name:` would be ignored.
  const YAML::Node& map_or_fail(const YAML::Node& n, const std::string& ctx) const {
    if (!n.IsMap()) fail(n, fmt::format("{}: expected a mapping of 'key: value' lines", ctx));
    std::set<std::string> seen;
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) fail(kv.first, fmt::format("{}: a key must be a single value", ctx));
      if (!seen.insert(kv.first.Scalar()).second)
        fail(kv.first, fmt::format("{}: '{}' is given twice", ctx, printable(kv.first.Scalar())));
    }
    return n;
  }

  void only_keys(const YAML::Node& n, std::initializer_list<const char*> allowed,
                 const std::string& ctx) const {
    for (const auto& kv : n) {
      std::string k = kv.first.as<std::string>();
      bool ok = false;
      for (const char* a : allowed) ok = ok || k == a;
      if (!ok) {
        std::vector<std::string> names(allowed.begin(), allowed.end());
        fail(kv.first, fmt::format("{}: unknown key '{}' (known: {})", ctx, k, text::join(names, ", ")));
      }
    }
  }

 private:
  std::string source_;
};

// A host's SSH settings, checked: each becomes an argument of the ssh client.
void ssh_settings(const YAML::Node& n, const std::string& ctx, const Reader& r, HostConfig& h) {
  bool ssh = h.transport == Transport::kSsh;
  for (const char* key : {"user", "port", "identity", "ssh_options", "sudo"})
    if (n[key] && !ssh)
      r.fail(n[key], fmt::format("{}.{}: only for transport: ssh (this host is {})", ctx, key,
                                 transport_name(h.transport)));
  if (!ssh) return;
  if (h.address.empty()) r.fail(n, fmt::format("{}: transport ssh needs an address", ctx));
  h.user = r.opt_str(n, "user", ctx);
  if (!h.user.empty()) r.check(n["user"], ctx + ".user", h.user, name_rules::user_name);
  h.port = r.integer(n, "port", ctx, 0, 1, 65535, "a TCP port");
  h.identity = r.opt_str(n, "identity", ctx);
  if (!h.identity.empty()) r.check(n["identity"], ctx + ".identity", h.identity, name_rules::local_path);
  h.ssh_options = r.list(n, "ssh_options", ctx);
  for (const auto& o : h.ssh_options)
    r.check(n["ssh_options"], ctx + ".ssh_options", o, name_rules::ssh_option);
  std::string sudo = r.opt_str(n, "sudo", ctx, !h.user.empty() && h.user != "root" ? "true" : "false");
  if (sudo != "true" && sudo != "false")
    r.fail(n["sudo"], fmt::format("{}.sudo: '{}' is not true or false", ctx, printable(sudo)));
  h.sudo = sudo == "true";
}

// `after: 30m` (s, m, h, d) or a number of seconds.
int read_after(const YAML::Node& n, const Reader& r, const std::string& ctx) {
  if (!n) return EscalationLevel{}.after;
  std::string v = n.IsScalar() ? n.Scalar() : "";
  int unit = 1;
  if (!v.empty() && std::string("smhd").find(v.back()) != std::string::npos) {
    unit = v.back() == 's' ? 1 : v.back() == 'm' ? 60 : v.back() == 'h' ? 3600 : 86400;
    v.pop_back();
  }
  auto x = text::to_int(v);
  if (!x || *x < 1 || *x * unit > 30 * 86400)
    r.fail(n, fmt::format("{}.after: expected a time such as 30m, 2h or 90 (seconds), from 1 s to 30 days",
                          ctx));
  return static_cast<int>(*x * unit);
}

void read_escalation(const YAML::Node& n, const Reader& r, EscalationConfig& e) {
  r.map_or_fail(n, "escalation");
  r.only_keys(n, {"team", "vendor"}, "escalation");
  for (auto [key, level] :
       {std::pair<const char*, EscalationLevel*>{"team", &e.team}, {"vendor", &e.vendor}}) {
    YAML::Node l = n[key];
    if (!l) continue;
    std::string ctx = std::string("escalation.") + key;
    r.map_or_fail(l, ctx);
    if (std::string(key) == "team")
      r.only_keys(l, {"after", "webhook", "mail", "exec"}, ctx);
    else
      r.only_keys(l, {"webhook", "mail", "exec"}, ctx);  // Level 3 has no timer: hardware is its reason
    level->after = read_after(l["after"], r, ctx);
    level->webhook = r.opt_str(l, "webhook", ctx);
    if (!level->webhook.empty() && !text::starts_with(level->webhook, "http://") &&
        !text::starts_with(level->webhook, "https://"))
      r.fail(l["webhook"], ctx + ".webhook: expected an http:// or https:// URL");
    level->mail = r.opt_str(l, "mail", ctx);
    level->exec = r.list(l, "exec", ctx);
  }
}

// The daemon's section: each value checked here, so a typo stops `stackdr watch` at start (and a
// SIGHUP keeps the old topology) with the file and line, not at the first alert.
void read_watch(const YAML::Node& n, const Reader& r, WatchConfig& w) {
  r.map_or_fail(n, "watch");
  r.only_keys(n,
              {"listen", "webhook", "mail", "exec", "interval", "remind", "resolve_after", "auto_recover",
               "auto_recover_causes"},
              "watch");
  auto policy = [&](const YAML::Node& at, const std::string& ctx, const std::string& v) {
    if (v != "off" && v != "safe" && v != "disruptive")
      r.fail(at, fmt::format("{}: '{}' is not off, safe or disruptive", ctx, printable(v)));
    return v;
  };
  w.listen = r.opt_str(n, "listen", "watch");
  w.webhook = r.opt_str(n, "webhook", "watch");
  if (!w.webhook.empty() && !text::starts_with(w.webhook, "http://") &&
      !text::starts_with(w.webhook, "https://"))
    r.fail(n["webhook"], "watch.webhook: expected an http:// or https:// URL");
  w.mail = r.opt_str(n, "mail", "watch");
  w.exec = r.list(n, "exec", "watch");
  w.interval = r.integer(n, "interval", "watch", 0, 1, 86400, "seconds between sweeps");
  w.remind = r.integer(n, "remind", "watch", 0, 1, 604800, "seconds between reminders");
  w.resolve_after = r.integer(n, "resolve_after", "watch", -1, 0, 86400, "seconds");
  if (n["auto_recover"])
    w.auto_recover = policy(n["auto_recover"], "watch.auto_recover", r.opt_str(n, "auto_recover", "watch"));
  if (YAML::Node c = n["auto_recover_causes"]) {
    r.map_or_fail(c, "watch.auto_recover_causes");
    for (const auto& kv : c) {
      if (!kv.second.IsScalar())
        r.fail(kv.second, "watch.auto_recover_causes: each cause takes off, safe or disruptive");
      std::string cause = kv.first.Scalar();
      w.auto_recover_causes[cause] =
          policy(kv.second, "watch.auto_recover_causes." + printable(cause), kv.second.Scalar());
    }
  }
}

void read_maintenance(const YAML::Node& n, const Reader& r, MaintenanceConfig& m) {
  r.map_or_fail(n, "maintenance");
  r.only_keys(n, {"scrub", "md-check", "smart", "config-backup", "drill", "daemon", "keep_backups"},
              "maintenance");
  for (const char* task : {"scrub", "md-check", "smart", "config-backup", "drill"}) {
    if (!n[task]) continue;
    std::string v = r.opt_str(n, task, "maintenance");
    if (v != "daily" && v != "weekly" && v != "monthly" && v != "quarterly" && v != "off")
      r.fail(n[task], fmt::format("maintenance.{}: '{}' is not daily, weekly, monthly, quarterly or off",
                                  task, printable(v)));
    m.every[task] = v;
  }
  std::string daemon = r.opt_str(n, "daemon", "maintenance", "off");
  if (daemon != "on" && daemon != "off")
    r.fail(n["daemon"], fmt::format("maintenance.daemon: '{}' is not on or off", printable(daemon)));
  m.daemon = daemon == "on";
  m.keep_backups = r.integer(n, "keep_backups", "maintenance", 0, 1, 1000, "configuration backups to keep");
}

// Checked here so that a daemon of a fleet with a typo stops at start with the line, instead of
// acting alone because it never joined the election.
void read_coordination(const YAML::Node& n, const Reader& r, Topology& t) {
  r.map_or_fail(n, "coordination");
  r.only_keys(n, {"etcd"}, "coordination");
  YAML::Node e = n["etcd"];
  if (!e) r.fail(n, "coordination: missing 'etcd' (endpoints, and optionally prefix, ttl, keepalive)");
  r.map_or_fail(e, "coordination.etcd");
  r.only_keys(e, {"endpoints", "prefix", "ttl", "keepalive", "ca", "cert", "key"}, "coordination.etcd");
  CoordinationConfig& c = t.coordination;
  c.endpoints = r.list(e, "endpoints", "coordination.etcd");
  if (c.endpoints.empty())
    r.fail(e, "coordination.etcd.endpoints: name etcd's members, e.g. [https://10.0.0.1:2379]");
  bool https = text::starts_with(c.endpoints.front(), "https://");
  for (const auto& ep : c.endpoints)
    if (!text::starts_with(ep, https ? "https://" : "http://"))
      r.fail(e["endpoints"],
             fmt::format("coordination.etcd.endpoints: '{}' is not {}HOST:PORT (all of one kind)",
                         printable(ep), https ? "https://" : "http://"));
  // TLS: files by absolute path (the daemon's working folder is /); the files themselves are
  // read when the election starts, where a missing one is named.
  for (auto [key, into] : {std::pair{"ca", &c.ca}, {"cert", &c.cert}, {"key", &c.key}}) {
    *into = r.opt_str(e, key, "coordination.etcd");
    if (!into->empty())
      r.check(e[key], std::string("coordination.etcd.") + key, *into, name_rules::local_path);
  }
  if (https && c.ca.empty())
    r.fail(e, "coordination.etcd.ca: https:// endpoints need the CA that signed etcd's certificates");
  if (!https && (!c.ca.empty() || !c.cert.empty() || !c.key.empty()))
    r.fail(e, "coordination.etcd: ca, cert and key are for https:// endpoints; these are http://");
  if (c.cert.empty() != c.key.empty())
    r.fail(e, "coordination.etcd: cert and key come together (the client's certificate and its key)");
  c.prefix = r.opt_str(e, "prefix", "coordination.etcd", "/stackdr");
  if (c.prefix.empty() || c.prefix.front() != '/' || text::contains(c.prefix, "//") ||
      c.prefix.find_first_of(" \t\n") != std::string::npos)
    r.fail(e["prefix"], "coordination.etcd.prefix: an absolute key prefix such as /stackdr");
  c.ttl = r.integer(e, "ttl", "coordination.etcd", 10, 2, 3600, "seconds a leader's lease lasts unrenewed");
  c.keepalive = r.integer(e, "keepalive", "coordination.etcd", 3, 1, 1200, "seconds between renewals");
  if (c.keepalive * 2 > c.ttl)
    r.fail(e["keepalive"] ? e["keepalive"] : e,
           fmt::format(
               "coordination.etcd.keepalive: {} s is more than half the ttl ({} s): one late renewal would "
               "lose the leadership; renew at most every ttl/3 seconds",
               c.keepalive, c.ttl));
  if (t.name.empty())
    r.fail(n,
           "coordination: the stack needs a name (`name: NAME` at the top level): its election and fencing "
           "tokens are kept under it");
}

// One entry of hosts: NAME: {role, address, transport, …}.
HostConfig read_host(const YAML::detail::iterator_value& kv, const Reader& r) {
  HostConfig h;
  h.name = kv.first.as<std::string>();
  r.check(kv.first, "hosts", h.name, name_rules::label);
  std::string ctx = "hosts." + h.name;
  r.map_or_fail(kv.second, ctx);
  r.only_keys(
      kv.second,
      {"role", "address", "transport", "command_path", "user", "port", "identity", "ssh_options", "sudo"},
      ctx);
  std::string role = r.str(kv.second, "role", ctx, "storage, kvm or vm");
  if (role == "storage")
    h.role = HostRole::kStorage;
  else if (role == "kvm")
    h.role = HostRole::kKvm;
  else if (role == "vm")
    h.role = HostRole::kVm;
  else
    r.fail(kv.second["role"], fmt::format("{}.role: '{}' is not one of storage, kvm, vm", ctx, role));
  h.address = r.opt_str(kv.second, "address", ctx);
  if (!h.address.empty()) r.check(kv.second["address"], ctx + ".address", h.address, name_rules::address);
  std::string transport = r.opt_str(kv.second, "transport", ctx, "local");
  if (transport == "ssh")
    h.transport = Transport::kSsh;
  else if (transport != "local")
    r.fail(kv.second["transport"],
           fmt::format("{}.transport: '{}' is not one of local, ssh", ctx, printable(transport)));
  h.command_path = r.opt_str(kv.second, "command_path", ctx);
  for (auto dir : text::split(h.command_path, ':'))
    if (!h.command_path.empty() && (dir.empty() || dir.front() != '/'))
      r.fail(kv.second["command_path"],
             fmt::format("{}.command_path: '{}' must be absolute directories separated by ':'", ctx,
                         printable(h.command_path)));
  ssh_settings(kv.second, ctx, r, h);
  return h;
}

void read_storage(const YAML::Node& root, const Reader& r, Topology& t) {
  YAML::Node st = root["storage"];
  if (!st) r.fail(root, "missing 'storage' (host, pool, portal)");
  r.map_or_fail(st, "storage");
  r.only_keys(st, {"host", "pool", "portal", "disks", "spare_disks", "service"}, "storage");
  t.storage.host = r.str(st, "host", "storage", "the hosts entry of the storage server");
  t.storage.pool = r.opt_str(st, "pool", "storage");  // "" = no ZFS layer (e.g. the qemu lab)
  if (!t.storage.pool.empty()) r.check(st["pool"], "storage.pool", t.storage.pool, name_rules::zfs_dataset);
  t.storage.portal =
      r.portal(st, "storage",
               r.str(st, "portal", "storage", "IP:PORT the initiators log in to, e.g. 192.168.125.116:3260"));
  t.storage.disks = r.list(st, "disks", "storage");
  for (const auto& d : t.storage.disks) r.check(st["disks"], "storage.disks", d, name_rules::disk_id);
  t.storage.spare_disks = r.list(st, "spare_disks", "storage");
  for (const auto& d : t.storage.spare_disks)
    r.check(st["spare_disks"], "storage.spare_disks", d, name_rules::disk_id);
  t.storage.service = r.opt_str(st, "service", "storage", "target");
  if (!t.storage.service.empty())  // "" = no systemd: LIO is restored with targetctl
    r.check(st["service"], "storage.service", t.storage.service, name_rules::unit_name);
  if (!t.host(t.storage.host))
    r.fail(st["host"], fmt::format("storage.host: '{}' is not defined under hosts", t.storage.host));
}

void read_initiator(const YAML::Node& in, const Reader& r, Topology& t) {
  r.map_or_fail(in, "initiator");
  r.only_keys(in, {"host", "iqn"}, "initiator");
  t.initiator.host = r.str(in, "host", "initiator", "the KVM host that logs in");
  t.initiator.iqn = r.opt_str(in, "iqn", "initiator");
  if (!t.initiator.iqn.empty()) r.check(in["iqn"], "initiator.iqn", t.initiator.iqn, name_rules::iscsi_name);
}

// One entry of luns, its name not one of `names` (LUNs' and arrays' names are one namespace).
LunConfig read_lun(const YAML::Node& n, size_t i, const Reader& r, const Topology& t,
                   std::set<std::string>& names) {
  std::string ctx = fmt::format("luns[{}]", i);
  r.map_or_fail(n, ctx);
  r.only_keys(n, {"name", "target", "lun", "zvol", "device", "backstore", "backstore_type", "portal"}, ctx);
  LunConfig l;
  l.name = r.str(n, "name", ctx, "a short name, also used for the LIO backstore");
  r.check(n["name"], ctx + ".name", l.name, name_rules::label);
  l.target = r.str(n, "target", ctx, "the target IQN, e.g. iqn.2003-01.org.linux-iscsi.storage:test01");
  r.check(n["target"], ctx + ".target", l.target, name_rules::iscsi_name);
  l.lun = r.integer(n, "lun", ctx, 0, 0, 16383, "a LUN number");
  l.zvol = r.opt_str(n, "zvol", ctx);
  if (!l.zvol.empty()) r.check(n["zvol"], ctx + ".zvol", l.zvol, name_rules::zfs_dataset);
  l.device = r.opt_str(n, "device", ctx, l.zvol.empty() ? "" : "/dev/zvol/" + l.zvol);
  if (!l.device.empty())
    r.check(n["device"] ? n["device"] : n["zvol"], ctx + ".device", l.device, name_rules::dev_path);
  if (l.device.empty())
    r.fail(n, fmt::format(
                  "{}: give 'zvol' (e.g. storage/iscsi-test01) or 'device' (the backing block device)", ctx));
  l.backstore_name = r.opt_str(n, "backstore", ctx, l.name);
  r.check(n["backstore"] ? n["backstore"] : n["name"], ctx + ".backstore", l.backstore_name,
          name_rules::label);
  l.backstore_type = r.opt_str(n, "backstore_type", ctx, "block");
  r.check(n["backstore_type"] ? n["backstore_type"] : n, ctx + ".backstore_type", l.backstore_type,
          name_rules::label);
  l.portal = r.portal(n, ctx, r.opt_str(n, "portal", ctx, t.storage.portal));
  if (!names.insert(l.name).second)
    r.fail(n["name"], fmt::format("{}.name: '{}' is used twice", ctx, l.name));
  return l;
}

// luns, then arrays and vms: the names LUNs and arrays use are one namespace (`names`).
void read_luns(const YAML::Node& root, const Reader& r, Topology& t, std::set<std::string>& names) {
  YAML::Node luns = root["luns"];
  if (!luns || !luns.IsSequence())
    r.fail(luns ? luns : root, "'luns' must be a list of {name, target, lun, zvol}");
  for (size_t i = 0; i < luns.size(); ++i) t.luns.push_back(read_lun(luns[i], i, r, t, names));
  t.index();
}

ArrayConfig read_array(const YAML::Node& n, size_t i, const Reader& r, const Topology& t,
                       std::set<std::string>& names) {
  std::string ctx = fmt::format("arrays[{}]", i);
  r.map_or_fail(n, ctx);
  r.only_keys(n, {"name", "host", "device", "level", "uuid", "members", "mountpoint"}, ctx);
  ArrayConfig a;
  a.name = r.str(n, "name", ctx, "e.g. md1");
  r.check(n["name"], ctx + ".name", a.name, name_rules::label);
  a.host = r.str(n, "host", ctx, "the KVM host that assembles it");
  a.device = r.opt_str(n, "device", ctx, "/dev/" + a.name);
  r.check(n["device"] ? n["device"] : n["name"], ctx + ".device", a.device, name_rules::dev_path);
  a.level = r.opt_str(n, "level", ctx, "raid1");
  r.check(n["level"] ? n["level"] : n, ctx + ".level", a.level, name_rules::label);
  if (auto u = r.opt_str(n, "uuid", ctx); !u.empty()) {
    if (u.find_first_not_of("0123456789abcdefABCDEF:") != std::string::npos)
      r.fail(n["uuid"],
             fmt::format("{}.uuid: '{}' is not an md UUID (hex digits and ':')", ctx, printable(u)));
    a.uuid = u;
  }
  a.members = r.list(n, "members", ctx);
  a.mountpoint = r.opt_str(n, "mountpoint", ctx);
  if (!a.mountpoint.empty())
    r.check(n["mountpoint"], ctx + ".mountpoint", a.mountpoint, name_rules::mountpoint);
  if (a.members.empty()) r.fail(n, fmt::format("{}: 'members' must name the LUNs it is built from", ctx));
  for (const auto& m : a.members)
    if (!t.lun(m)) r.fail(n["members"], fmt::format("{}.members: '{}' is not a LUN name under luns", ctx, m));
  if (!t.host(a.host))
    r.fail(n["host"], fmt::format("{}.host: '{}' is not defined under hosts", ctx, a.host));
  if (!names.insert(a.name).second)
    r.fail(n["name"], fmt::format("{}.name: '{}' is already used", ctx, a.name));
  return a;
}

void read_arrays(const YAML::Node& arrays, const Reader& r, Topology& t, std::set<std::string>& names) {
  if (!arrays.IsSequence()) r.fail(arrays, "'arrays' must be a list");
  for (size_t i = 0; i < arrays.size(); ++i) t.arrays.push_back(read_array(arrays[i], i, r, t, names));
  t.index();
}

VmDiskConfig read_vm_disk(const YAML::Node& node, const std::string& dctx, size_t k, const Reader& r,
                          const Topology& t) {
  r.map_or_fail(node, dctx);
  r.only_keys(node, {"target", "source", "guest_device", "mountpoint", "boot"}, dctx);
  VmDiskConfig d;
  d.target = r.str(node, "target", dctx, "the guest's device name, e.g. vdb");
  r.check(node["target"], dctx + ".target", d.target, name_rules::label);
  d.source = r.str(node, "source", dctx, "a LUN or array name");
  if (!t.lun(d.source) && !t.array(d.source))
    r.fail(node["source"], fmt::format("{}.source: '{}' is neither a LUN nor an array name", dctx, d.source));
  d.guest_device = r.opt_str(node, "guest_device", dctx, "/dev/" + d.target);
  r.check(node["guest_device"] ? node["guest_device"] : node["target"], dctx + ".guest_device",
          d.guest_device, name_rules::dev_path);
  d.mountpoint = r.opt_str(node, "mountpoint", dctx);
  if (!d.mountpoint.empty())
    r.check(node["mountpoint"], dctx + ".mountpoint", d.mountpoint, name_rules::mountpoint);
  std::string boot = r.opt_str(node, "boot", dctx, k == 0 ? "true" : "false");
  if (boot != "true" && boot != "false")
    r.fail(node["boot"], fmt::format("{}.boot: '{}' must be true or false", dctx, boot));
  d.boot = boot == "true";
  return d;
}

VmConfig read_vm(const YAML::Node& n, size_t i, const Reader& r, const Topology& t) {
  std::string ctx = fmt::format("vms[{}]", i);
  r.map_or_fail(n, ctx);
  r.only_keys(n, {"name", "host", "guest", "disks"}, ctx);
  VmConfig v;
  v.name = r.str(n, "name", ctx, "the libvirt domain name");
  r.check(n["name"], ctx + ".name", v.name, name_rules::domain_name);
  for (const auto& other : t.vms)
    if (other.name == v.name) r.fail(n["name"], fmt::format("{}.name: '{}' is already used", ctx, v.name));
  v.host = r.str(n, "host", ctx, "the KVM host it runs on");
  v.guest = r.opt_str(n, "guest", ctx);
  if (!t.host(v.host))
    r.fail(n["host"], fmt::format("{}.host: '{}' is not defined under hosts", ctx, v.host));
  if (!v.guest.empty() && !t.host(v.guest))
    r.fail(n["guest"], fmt::format("{}.guest: '{}' is not defined under hosts", ctx, v.guest));
  YAML::Node disks = n["disks"];
  if (disks && !disks.IsSequence()) r.fail(disks, fmt::format("{}.disks: expected a list", ctx));
  for (size_t k = 0; disks && k < disks.size(); ++k)
    v.disks.push_back(read_vm_disk(disks[k], fmt::format("{}.disks[{}]", ctx, k), k, r, t));
  return v;
}

void read_vms(const YAML::Node& vms, const Reader& r, Topology& t) {
  if (!vms.IsSequence()) r.fail(vms, "'vms' must be a list");
  for (size_t i = 0; i < vms.size(); ++i) t.vms.push_back(read_vm(vms[i], i, r, t));
}

Topology read(const YAML::Node& root, const Reader& r) {
  Topology t;
  r.map_or_fail(root, "top level");
  r.only_keys(root,
              {"name", "site", "hosts", "storage", "initiator", "luns", "arrays", "vms", "watch",
               "maintenance", "escalation", "coordination"},
              "top level");
  t.name = r.opt_str(root, "name", "top level");
  if (!t.name.empty()) r.check(root["name"], "name", t.name, name_rules::label);
  // A stack's name is a folder of its own under the state directory (stacks/NAME).
  if (t.name == "." || t.name == "..") r.fail(root["name"], "name: '" + t.name + "' is not a stack name");
  t.site = r.opt_str(root, "site", "top level");
  if (!t.site.empty()) r.check(root["site"], "site", t.site, name_rules::label);
  if (YAML::Node c = root["coordination"]) read_coordination(c, r, t);

  YAML::Node hosts = root["hosts"];
  if (!hosts) r.fail(root, "missing 'hosts' (the storage server, the KVM host and the VMs, by name)");
  r.map_or_fail(hosts, "hosts");
  for (const auto& kv : hosts) t.hosts.push_back(read_host(kv, r));
  t.index();

  read_storage(root, r, t);
  if (YAML::Node w = root["watch"]) read_watch(w, r, t.watch);
  if (YAML::Node m = root["maintenance"]) read_maintenance(m, r, t.maintenance);
  if (YAML::Node e = root["escalation"]) read_escalation(e, r, t.escalation);
  if (YAML::Node in = root["initiator"]) read_initiator(in, r, t);
  std::set<std::string> names;
  read_luns(root, r, t, names);
  if (YAML::Node arrays = root["arrays"]) read_arrays(arrays, r, t, names);
  if (YAML::Node vms = root["vms"]) read_vms(vms, r, t);
  return t;
}

}  // namespace

Result<Topology> parse_topology(std::string_view yaml_text, std::string_view source) {
  try {
    // One document only: yaml-cpp's Load reads the first and drops the rest silently, so a
    // topology pasted twice (or two joined by ---) would be read in part.
    std::vector<YAML::Node> docs = YAML::LoadAll(std::string(yaml_text));
    if (docs.size() > 1)
      return Error{fmt::format(
          "{}:{}: a second YAML document starts here; a topology is one document (remove the `---` line "
          "and what follows, or split it into two files)",
          source, docs[1].Mark().line + 1)};
    YAML::Node root = docs.empty() ? YAML::Node() : docs[0];
    Topology t = read(root, Reader(source));
    t.source = std::string(source);
    t.index();
    return t;
  } catch (const ConfigError& e) {
    return Error{e.message + "\nA complete example: " + std::string(kExampleTopologyHint) + "."};
  } catch (const YAML::Exception& e) {
    return Error{
        fmt::format("{}:{}:{}: not valid YAML: {}", source, e.mark.line + 1, e.mark.column + 1, e.msg)};
  }
}

Result<Topology> load_topology(const std::string& path) {
  auto text = read_bounded_file(path, kTopologyMaxBytes);
  if (!text)
    return Error{text.error().message + "\nGive the topology file with --config FILE; an example: " +
                 std::string(kExampleTopologyHint) + "."};
  return parse_topology(*text, path);
}

std::string topology_fingerprint(const Topology& t) {
  // One line per fact, fields separated by a byte no name contains.
  std::string c;
  auto line = [&c](std::initializer_list<std::string_view> fields) {
    for (auto f : fields) c.append(f).push_back('\x1f');
    c.push_back('\n');
  };
  for (const auto& h : t.hosts)
    line({"host", h.name, std::to_string(static_cast<int>(h.role)), h.address, transport_name(h.transport)});
  const StorageConfig& st = t.storage;
  line({"storage", st.host, st.pool, st.portal, st.service});
  for (const auto& d : st.disks) line({"disk", d});
  for (const auto& d : st.spare_disks) line({"spare", d});
  line({"initiator", t.initiator.host, t.initiator.iqn});
  for (const auto& l : t.luns)
    line({"lun", l.name, l.target, std::to_string(l.lun), l.zvol, l.device, l.backstore(), l.portal});
  for (const auto& a : t.arrays) {
    line({"array", a.name, a.host, a.device, a.level, a.uuid.value_or(""), a.mountpoint});
    for (const auto& m : a.members) line({"member", a.name, m});
  }
  for (const auto& v : t.vms) {
    line({"vm", v.name, v.host, v.guest});
    for (const auto& d : v.disks)
      line({"vm-disk", v.name, d.target, d.source, d.guest_device, d.mountpoint, d.boot ? "boot" : ""});
  }
  return fmt::format("{:016x}", text::fnv1a(c));
}

}  // namespace stackdr
