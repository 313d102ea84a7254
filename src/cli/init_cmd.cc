#include "cli/init_cmd.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/exit_codes.h"
#include "cli/stack_context.h"
#include "operate/discover.h"
#include "recover/stack_hints.h"
#include "topology/name_rules.h"
#include "util/json_text.h"
#include "util/text.h"

namespace stackdr {

namespace {

// "[USER@]HOST[:PORT]" or "local" → a host entry named `name` with `role`.
Result<HostConfig> host_from(const std::string& spec, const std::string& name, HostRole role,
                             const InitCliOptions& o, const char* option) {
  HostConfig h;
  h.name = name;
  h.role = role;
  if (spec == "local") {
    h.transport = Transport::kLocal;
    return h;
  }
  h.transport = Transport::kSsh;
  std::string rest = spec;
  if (auto at = rest.find('@'); at != std::string::npos) {
    h.user = rest.substr(0, at);
    rest = rest.substr(at + 1);
  }
  // A port after the last colon, unless the address is a bare IPv6 one ([::1]:22 has brackets).
  if (auto colon = rest.rfind(':');
      colon != std::string::npos && (rest.front() == '[' || rest.find(':') == colon)) {
    auto port = text::to_int(rest.substr(colon + 1));
    if (!port || *port < 1 || *port > 65535)
      return Error{fmt::format("{} {}: the port after ':' must be a number from 1 to 65535", option, spec)};
    h.port = static_cast<int>(*port);
    rest = rest.substr(0, colon);
  }
  if (rest.size() > 2 && rest.front() == '[' && rest.back() == ']') rest = rest.substr(1, rest.size() - 2);
  if (rest.empty() || rest.front() == '-')
    return Error{fmt::format("{} {}: expected [USER@]HOST[:PORT], or local for this machine", option, spec)};
  h.address = rest;
  h.identity = o.identity;
  h.ssh_options = o.ssh_options;
  h.sudo = !h.user.empty() && h.user != "root";
  return h;
}

// The hosts as a topology's text, to be checked as one (the rules live in topology/).
std::string skeleton_yaml(const Topology& t) {
  YAML::Emitter y;
  y << YAML::BeginMap << YAML::Key << "hosts" << YAML::Value;
  emit_hosts(y, t.hosts);
  y << YAML::Key << "storage" << YAML::Value << YAML::BeginMap << YAML::Key << "host" << YAML::Value
    << "storage" << YAML::Key << "portal" << YAML::Value << "0.0.0.0:3260" << YAML::EndMap;
  y << YAML::Key << "initiator" << YAML::Value << YAML::BeginMap << YAML::Key << "host" << YAML::Value
    << "kvm" << YAML::EndMap;
  y << YAML::Key << "luns" << YAML::Value << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
  y << YAML::EndMap;
  return std::string(y.c_str()) + "\n";
}

// Writes `text` to a new file (never over one: a topology someone edited is not replaced).
Result<bool> write_new(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return Error{fmt::format("--out {}: {}{}", path, std::strerror(errno),
                             errno == EEXIST
                                 ? " (stackdr init never writes over a topology; give another --out "
                                   "and compare them)"
                                 : "")};
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Error{fmt::format("--out {}: {}", path, std::strerror(errno))};
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    return Error{fmt::format("--out {}: {}", path, std::strerror(errno))};
  return true;
}

}  // namespace

int cmd_init(const InitCliOptions& o) {
  std::unique_ptr<StackContext> ctx;
  Topology skeleton;
  if (o.lab) {
    if (!o.storage.empty() || !o.kvm.empty())
      return fail(kExitUsage,
                  "--lab drafts the practice stack's topology: --storage and --kvm go without it");
    ContextOptions c;
    c.lab = true;
    c.state_dir = o.state_dir;
    auto opened = StackContext::open(c);
    if (!opened) return fail(kExitUsage, opened.error().message);
    ctx = std::move(*opened);
    // The hosts, and nothing the draft is to find.
    const Topology& t = ctx->topology();
    skeleton.hosts = t.hosts;
    skeleton.storage.host = t.storage.host;
    skeleton.initiator.host = t.initiator.host;
  } else {
    if (o.storage.empty() || o.kvm.empty())
      return fail(
          kExitUsage,
          "stackdr init needs the machines to read: --storage [USER@]HOST[:PORT] --kvm [USER@]HOST[:PORT] "
          "(local for this machine); or --lab for the practice stack");
    auto s = host_from(o.storage, "storage", HostRole::kStorage, o, "--storage");
    if (!s) return fail(kExitUsage, s.error().message);
    auto k = host_from(o.kvm, "kvm", HostRole::kKvm, o, "--kvm");
    if (!k) return fail(kExitUsage, k.error().message);
    skeleton.hosts = {*s, *k};
    skeleton.storage.host = "storage";
    skeleton.initiator.host = "kvm";
    skeleton.index();
    // The same checks a topology's hosts get (refused ssh options, names), before any connection.
    if (auto checked = parse_topology(skeleton_yaml(skeleton), "the --storage/--kvm hosts"); !checked)
      return fail(kExitUsage, checked.error().message);
    auto opened = StackContext::live(skeleton);
    if (!opened) return fail(kExitUsage, opened.error().message);
    ctx = std::move(*opened);
  }
  skeleton.index();
  DiscoveryOptions dopt;
  dopt.vms = o.vms;
  auto draft = discover_topology(skeleton, ctx->hosts(), dopt);
  if (!draft) return fail(70, draft.error().message);
  if (!o.out.empty())
    if (auto w = write_new(o.out, draft->yaml); !w) return fail(kExitIo, w.error().message);
  if (o.json) {
    std::cout << json_text(nlohmann::json{{"draft", draft->yaml},
                                          {"out", o.out},
                                          {"luns", draft->topology.luns.size()},
                                          {"arrays", draft->topology.arrays.size()},
                                          {"vms", draft->topology.vms.size()},
                                          {"undecided", draft->undecided},
                                          {"unread", draft->unread}},
                           2)
              << "\n";
  } else if (o.out.empty()) {
    std::cout << draft->yaml;
  } else {
    std::cout << fmt::format(
        "{}: {} LUNs, {} arrays, {} VMs; {} thing(s) to decide (marked \"not decided\"), {} "
        "read(s) failed. Check it read-only with `stackdr status --config {}`\n",
        o.out, draft->topology.luns.size(), draft->topology.arrays.size(), draft->topology.vms.size(),
        draft->undecided.size(), draft->unread.size(), hint_word(std::filesystem::absolute(o.out).string()));
  }
  return draft->unread.empty() ? 0 : 3;
}

}  // namespace stackdr
