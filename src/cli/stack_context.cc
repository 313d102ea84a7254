#include "cli/stack_context.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "host/bundle.h"
#include "host/local_host.h"
#include "host/replay_host.h"
#include "host/ssh_host.h"
#include "sim/faults.h"
#include "sim/sim_clock.h"
#include "sim/sim_host.h"
#include "sim/time_passes.h"
#include "topology/name_rules.h"
#include "util/bounded_file.h"
#include "util/text.h"

namespace stackdr {

namespace {

constexpr const char* kInstalledTopology = "/etc/stackdr/stackdr.yaml";
constexpr const char* kInstalledFolder = "/etc/stackdr/stacks.d";

// --config, $STACKDR_CONFIG, /etc/stackdr/stackdr.yaml, /etc/stackdr/stacks.d; "" when none is
// there. The single file, when there is one, is the topology (as before the folder existed).
std::string searched_topology(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("STACKDR_CONFIG"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::exists(kInstalledTopology, ec)) return kInstalledTopology;
  if (std::filesystem::is_directory(kInstalledFolder, ec)) return kInstalledFolder;
  return "";
}

bool is_folder(const std::string& path) {
  std::error_code ec;
  return !path.empty() && std::filesystem::is_directory(path, ec);
}

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto a = std::filesystem::absolute(path, ec);
  return ec ? path : a.lexically_normal().string();
}

}  // namespace

Result<std::vector<FolderStack>> chosen_stacks(const ContextOptions& o) {
  std::string config = searched_topology(o.config);
  if (!is_folder(config)) return std::vector<FolderStack>{};
  auto all = list_stack_folder(config);
  if (!all) return all.error();
  if (o.stack.empty()) return all;
  for (const auto& s : *all)
    if (s.name == o.stack) return std::vector<FolderStack>{s};
  return Error{
      fmt::format("--stack {}: no such stack in {}; its stacks are {}", o.stack, config, stack_names(*all))};
}

std::string stack_state_dir(const std::string& state_root, const std::string& stack) {
  return (std::filesystem::path(state_root.empty() ? default_state_dir() : state_root) / "stacks" / stack)
      .string();
}

ContextOptions stack_options(const ContextOptions& o, const FolderStack& s) {
  ContextOptions one = o;
  one.stack = s.name;
  one.stacks_folder = absolute(searched_topology(o.config));
  one.state_root = absolute(o.state_dir.empty() ? default_state_dir() : o.state_dir);
  one.config = s.file;
  one.state_dir = stack_state_dir(one.state_root, s.name);
  return one;
}

Result<bool> select_stack(ContextOptions& o) {
  if (!o.stacks_folder.empty()) return true;  // chosen already
  auto chosen = chosen_stacks(o);
  if (!chosen) return chosen.error();
  if (chosen->size() > 1)
    return Error{fmt::format("{} holds {} stacks ({}): say which with --stack NAME",
                             searched_topology(o.config), chosen->size(), stack_names(*chosen))};
  if (chosen->size() == 1) {
    o = stack_options(o, chosen->front());
    return true;
  }
  if (o.stack.empty() || !o.from.empty()) return true;
  // One file: --stack must be its name (a typo must not fall through to another stack).
  std::string config = searched_topology(o.config);
  if (config.empty()) return true;  // the example (simulated); the next error, if any, says more
  auto t = load_topology(config);
  if (!t) return t.error();
  if (t->name != o.stack)
    return Error{fmt::format(
        "--stack {}: {} is the stack {}", o.stack, config,
        t->name.empty() ? "without a name (write `name: " + o.stack + "` in it)" : "'" + t->name + "'")};
  return true;
}

Result<std::string> journal_state_dir(const std::string& state_dir, const std::string& stack) {
  std::string root = state_dir.empty() ? default_state_dir() : state_dir;
  if (!stack.empty()) {
    if (auto e = name_rules::label(stack); e || stack == "." || stack == "..")
      return Error{fmt::format("--stack {}: not a stack name ({})", stack, e ? *e : "a folder of its own")};
    return stack_state_dir(root, stack);
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(fs::path(root) / "stackdr.db", ec) && fs::is_directory(fs::path(root) / "stacks", ec)) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(fs::path(root) / "stacks", ec))
      names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return Error{fmt::format("{} keeps one journal per stack ({}): say which with --stack NAME", root,
                             text::join(names, ", "))};
  }
  return root;
}

Result<std::string> topology_path(const std::string& given) {
  std::string p = searched_topology(given);
  if (!p.empty()) return p;
  return Error{fmt::format(
      "no topology: none given (--config FILE), none in $STACKDR_CONFIG, none at {}. stackdr has no "
      "default, so it never reaches a machine you did not name.\n"
      "  Draft one from what your machines show (read-only): stackdr init --storage [USER@]HOST --kvm "
      "[USER@]HOST --out FILE; read it through (an example: {}), then check it with: stackdr status --config "
      "FILE\n"
      "  Or try stackdr on a practice stack first, no machine touched: stackdr lab init; stackdr status "
      "--lab",
      kInstalledTopology, kExampleTopologyHint)};
}

Result<TopologySource> simulated_topology_source(const std::string& given) {
  std::string p = searched_topology(given);
  if (p.empty())
    return TopologySource{std::string(example_topology_text()), std::string(kExampleTopologySource)};
  auto text = read_bounded_file(p, kTopologyMaxBytes);
  if (!text) return text.error();
  return TopologySource{std::move(*text), std::filesystem::absolute(p).string()};
}

Result<Topology> simulated_topology(const std::string& given) {
  auto s = simulated_topology_source(given);
  if (!s) return s.error();
  return parse_topology(s->text, s->source);
}

StackHints journal_hints(const std::string& state_dir, const std::string& stack, bool lab) {
  StackHints h;
  std::error_code ec;
  if (lab) h.journal.push_back("--lab");
  if (!stack.empty()) h.journal.insert(h.journal.end(), {"--stack", stack});
  h.journal.insert(
      h.journal.end(),
      {"--state-dir",
       std::filesystem::absolute(state_dir.empty() ? default_state_dir() : state_dir, ec).string()});
  return h;
}

StackHints stack_hints(const ContextOptions& o) {
  namespace fs = std::filesystem;
  StackHints h;
  std::error_code ec;
  std::string state = o.state_dir.empty() ? default_state_dir() : o.state_dir;
  fs::path abs_state = fs::absolute(state, ec);
  if (o.lab) {
    h.stack.push_back("--lab");
    h.journal.push_back("--lab");
  }
  if (!o.stacks_folder.empty()) {
    // A stack of a folder: named as the operator named it, whatever the file and folder.
    h.stack.insert(h.stack.end(),
                   {"--config", o.stacks_folder, "--stack", o.stack, "--state-dir", o.state_root});
    h.journal.insert(h.journal.end(), {"--stack", o.stack, "--state-dir", o.state_root});
    return h;
  }
  std::string config = searched_topology(o.config);
  // A practice stack keeps its own copy of the topology: naming a file there is not needed.
  bool practice = o.lab && sim::PracticeStack::exists(sim::PracticeStack::folder(state_dir_for(state, true)));
  if (!config.empty() && !practice && o.from.empty()) {
    h.stack.push_back("--config");
    h.stack.push_back(fs::absolute(config, ec).string());
  }
  for (auto* v : {&h.stack, &h.journal}) {
    v->push_back("--state-dir");
    v->push_back(abs_state.string());
  }
  return h;
}

double incident_now(const IncidentRecord& inc, const std::vector<JournalEvent>& events,
                    const std::string& state_dir) {
  double last = inc.opened_at;
  for (const auto& e : events) last = std::max(last, e.at);
  if (inc.mode == "live") return std::max(LiveClock().now(), inc.opened_at);
  if (inc.mode == "practice") {
    auto folder = sim::PracticeStack::folder(state_dir_for(state_dir, true));
    if (sim::PracticeStack::exists(folder))
      if (auto p = sim::PracticeStack::open(folder)) return std::max((*p)->clock()->now(), last);
  }
  return last;
}

std::string default_state_dir() {
  if (const char* e = std::getenv("STACKDR_STATE_DIR"); e && *e) return e;
  return "/var/lib/stackdr";
}

std::string state_dir_for(const std::string& dir, bool lab) {
  std::string d = dir.empty() ? default_state_dir() : dir;
  return lab ? d + "/lab" : d;
}

namespace {

std::string file_text(const std::filesystem::path& p) {
  auto t = read_bounded_file(p.string(), kTopologyMaxBytes);
  return t ? *t : std::string();
}

}  // namespace

// --lab with a practice stack in the state directory: that stack, as the tape left it.
Result<bool> StackContext::open_practice(const ContextOptions& o, const std::filesystem::path& folder) {
  if (!o.faults.empty())
    return Error{fmt::format(
        "{} holds a practice stack: inject into it with `stackdr lab inject FAULT --state-dir "
        "{}` (--fault is for a "
        "fresh simulated stack; give another --state-dir for one)",
        folder.string(), hint_word(std::filesystem::absolute(folder.parent_path().parent_path()).string()))};
  auto p = sim::PracticeStack::open(folder);
  if (!p) return p.error();
  if (!o.config.empty()) {
    auto given = read_bounded_file(o.config, kTopologyMaxBytes);
    if (!given) return Error{"--config " + given.error().message};
    if (*given != file_text((*p)->topology_path()))
      return Error{fmt::format(
          "--config {} is not the topology the practice stack in {} was made from; leave --config out (it "
          "uses its own copy), or make a new one: `stackdr lab reset --config {} --state-dir {}`",
          o.config, folder.string(), hint_word(o.config),
          hint_word(std::filesystem::absolute(folder.parent_path().parent_path()).string()))};
  }
  practice_ = std::move(*p);
  topology_ = practice_->topology();
  topology_text_ = file_text(practice_->topology_path());
  sim_ = practice_->state();
  for (const auto& h : topology_.hosts) hosts_[h.name] = practice_->host(h.name);
  return true;
}

Result<std::unique_ptr<StackContext>> StackContext::open(const ContextOptions& o) {
  auto ctx = std::unique_ptr<StackContext>(new StackContext());
  auto folder = sim::PracticeStack::folder(state_dir_for(o.state_dir, true));
  if (o.lab && sim::PracticeStack::exists(folder)) {
    if (auto r = ctx->open_practice(o, folder); !r) return r.error();
    return ctx;
  }
  // --from: a bundle file is unpacked into a private folder first; a bundle brings its own
  // topology, used unless --config names another.
  std::string from = o.from;
  if (!from.empty() && !o.lab) {
    auto dir = ctx->open_bundle(from);
    if (!dir) return dir.error();
    from = *dir;
  }
  std::string config = o.config;
  if (config.empty() && !from.empty() &&
      std::filesystem::exists(std::filesystem::path(from) / "topology.yaml"))
    config = (std::filesystem::path(from) / "topology.yaml").string();
  // The simulated stack may use the built-in example; anything that reaches machines needs a
  // topology the admin named.
  if (!o.faults.empty() && !o.lab)
    return Error{"--fault needs --lab: faults are injected into the simulated stack only"};
  if (!from.empty() && config.empty() && !o.lab)
    if (auto b = check_bundle_folder(from, {}); !b) return Error{"--from " + b.error().message};
  TopologySource source;
  if (o.lab) {
    auto s = simulated_topology_source(config);
    if (!s) return s.error();
    source = std::move(*s);
  } else {
    auto path = topology_path(config);
    if (!path) return path.error();
    auto text = read_bounded_file(*path, kTopologyMaxBytes);
    if (!text) return Error{text.error().message + " (the topology file)"};
    source = {std::move(*text), *path};
  }
  auto topo = parse_topology(source.text, source.source);
  if (!topo) return topo.error();
  ctx->topology_ = std::move(*topo);
  ctx->topology_text_ = std::move(source.text);
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
  if (!from.empty()) {
    std::vector<std::string> names;
    for (const auto& h : ctx->topology_.hosts) names.push_back(h.name);
    if (auto b = check_bundle_folder(from, names); !b) return Error{"--from " + b.error().message};
    ctx->from_ = o.from;
    for (const auto& h : ctx->topology_.hosts)
      ctx->hosts_[h.name] = std::make_unique<ReplayHost>(h.name, std::filesystem::path(from) / h.name);
    return ctx;
  }
  if (auto r = ctx->reach_hosts(); !r) return r.error();
  return ctx;
}

Result<std::unique_ptr<StackContext>> StackContext::live(Topology topology) {
  auto ctx = std::unique_ptr<StackContext>(new StackContext());
  ctx->topology_ = std::move(topology);
  if (auto r = ctx->reach_hosts(); !r) return r.error();
  return ctx;
}

Result<bool> StackContext::reach_hosts() {
  std::shared_ptr<PrivateDir> control;  // one private socket folder for every SSH host
  for (const auto& h : topology_.hosts) {
    if (h.transport == Transport::kLocal) {
      hosts_[h.name] = h.command_path.empty() ? std::make_unique<LocalHost>(h.name)
                                              : std::make_unique<LocalHost>(h.name, h.command_path);
      continue;
    }
    if (!control) {
      auto d = PrivateDir::make("stackdr-ssh");
      if (!d) return d.error();
      control = *d;
    }
    SshTarget target;
    target.name = h.name;
    target.address = h.address;
    target.user = h.user;
    target.port = h.port;
    target.identity = h.identity;
    target.options = h.ssh_options;
    target.sudo = h.sudo;
    if (!h.command_path.empty()) target.command_path = h.command_path;
    hosts_[h.name] = std::make_unique<SshHost>(std::move(target), control);
  }
  return true;
}

std::unique_ptr<Clock> StackContext::clock() {
  if (practice_) return practice_->clock();
  if (sim_) return std::make_unique<SimClock>(sim_);
  return std::make_unique<LiveClock>();
}

HostLookup StackContext::hosts() {
  return [this](const std::string& name) -> Host* {
    if (auto r = recorders_.find(name); r != recorders_.end()) return r->second.get();
    auto it = hosts_.find(name);
    return it == hosts_.end() ? nullptr : it->second.get();
  };
}

void StackContext::record_into(BundleWriter& bundle) {
  for (auto& [name, host] : hosts_) recorders_[name] = bundle.record(host.get());
}

StackContext::~StackContext() {
  recorders_.clear();
  hosts_.clear();  // before unpacked_ goes: replay hosts read from it
}

Result<std::string> StackContext::open_bundle(const std::string& from) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(from, ec)) return from;
  if (!fs::is_regular_file(from, ec))
    return Error{fmt::format(
        "--from {}: no such bundle (a .tar.gz from `stackdr collect`, or its unpacked folder)", from)};
  auto made = PrivateDir::make("stackdr-bundle");
  if (!made) return Error{"--from " + from + ": " + made.error().message};
  unpacked_ = *made;
  const std::string& dir = unpacked_->path();
  if (auto u = unpack_bundle_archive(from, dir); !u) return Error{"--from " + u.error().message};
  if (fs::exists(fs::path(dir) / kBundleManifest)) return dir;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory() && fs::exists(e.path() / kBundleManifest)) return e.path().string();
  return Error{
      fmt::format("--from {}: the archive holds no {}: not a stackdr bundle", from, kBundleManifest)};
}

Observation StackContext::observe(const ObserveOptions& options) {
  return stackdr::observe(topology_, hosts(), options);
}

std::string StackContext::journal_mode() const {
  if (practice_) return "practice";
  return sim_ ? "lab" : "live";
}

std::string StackContext::practice_folder() const {
  return practice_ ? practice_->topology_path().parent_path().string() : "";
}

Result<bool> StackContext::inject_fault(const std::string& name) {
  // The practice stack's folder is STATE/lab/practice (PracticeStack::folder of state_dir_for).
  if (practice_)
    return Error{fmt::format(
        "a practice stack takes its faults from `stackdr lab inject {} --state-dir {}`", hint_word(name),
        hint_word(
            std::filesystem::absolute(std::filesystem::path(practice_folder()).parent_path().parent_path())
                .string()))};
  if (!sim_) return Error{"faults are injected only into a simulated stack (--lab); this one is live"};
  return sim::inject_fault(*sim_, name);
}

void StackContext::let_time_pass(int64_t seconds) {
  if (sim_ && !practice_ && seconds > 0) sim::advance(*sim_, seconds);
}

std::string StackContext::mode() const {
  if (practice_) return "practice stack " + practice_->topology_path().parent_path().string();
  if (sim_) return "lab (simulated stack)";
  if (!from_.empty()) return "replay " + from_;
  return "live";
}

}  // namespace stackdr
