#include "cli/stack_context.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>

#include "host/local_host.h"
#include "host/replay_host.h"
#include "sim/faults.h"
#include "sim/sim_host.h"

namespace stackdr {

std::string default_config_path() {
  if (const char* env = std::getenv("STACKDR_CONFIG"); env && *env) return env;
  if (std::filesystem::exists("/etc/stackdr/stackdr.yaml")) return "/etc/stackdr/stackdr.yaml";
  return STACKDR_DEFAULT_CONFIG;
}

Result<std::unique_ptr<StackContext>> StackContext::open(const ContextOptions& o) {
  auto ctx = std::unique_ptr<StackContext>(new StackContext());
  auto topo = load_topology(o.config.empty() ? default_config_path() : o.config);
  if (!topo) return topo.error();
  ctx->topology_ = std::move(*topo);
  if (!o.faults.empty() && !o.lab)
    return Error{"--fault needs --lab: faults are injected into the simulated stack only"};
  if (o.lab && !o.from.empty()) return Error{"--lab and --from exclude each other"};
  if (o.lab) {
    ctx->sim_ = std::make_shared<sim::SimState>(sim::build_sim_state(ctx->topology_));
    for (const auto& f : o.faults)
      if (auto r = sim::inject_fault(*ctx->sim_, f); !r) return r.error();
    for (const auto& h : ctx->topology_.hosts)
      ctx->hosts_[h.name] = std::make_unique<sim::SimHost>(h.name, ctx->sim_);
    return ctx;
  }
  if (!o.from.empty()) {
    if (!std::filesystem::is_directory(o.from))
      return Error{fmt::format("--from {}: not a directory (expected one folder per host)", o.from)};
    ctx->from_ = o.from;
    for (const auto& h : ctx->topology_.hosts)
      ctx->hosts_[h.name] = std::make_unique<ReplayHost>(h.name, std::filesystem::path(o.from) / h.name);
    return ctx;
  }
  for (const auto& h : ctx->topology_.hosts) {
    if (h.transport == "local")
      ctx->hosts_[h.name] = h.command_path.empty() ? std::make_unique<LocalHost>(h.name)
                                                   : std::make_unique<LocalHost>(h.name, h.command_path);
    // transport: ssh has no Host yet: its facts are reported as unreadable, never guessed.
  }
  return ctx;
}

HostLookup StackContext::hosts() {
  return [this](const std::string& name) -> Host* {
    auto it = hosts_.find(name);
    return it == hosts_.end() ? nullptr : it->second.get();
  };
}

Observation StackContext::observe(const ObserveOptions& options) {
  return stackdr::observe(topology_, hosts(), options);
}

std::string StackContext::mode() const {
  if (sim_) return "lab (simulated stack)";
  if (!from_.empty()) return "replay " + from_;
  return "live";
}

}  // namespace stackdr
