#include "watch/daemon.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>

#include "util/json_text.h"
#include "watch/daemon_log.h"
#include "watch/dashboard.h"
#include "watch/http_endpoint.h"
#include "watch/metrics_page.h"

namespace stackdr {

namespace {

// Signals arrive as bytes on a pipe the main thread polls: a handler only sets a flag and writes.
int g_signal_pipe[2] = {-1, -1};
std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

void on_signal(int sig) {
  if (sig == SIGHUP)
    g_reload = true;
  else
    g_stop = true;
  char c = 's';
  [[maybe_unused]] ssize_t n = ::write(g_signal_pipe[1], &c, 1);
}

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double steady_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

/// The process around the stacks: their threads, the listener, the signals, systemd.
class Daemon {
 public:
  explicit Daemon(const DaemonOptions& o) : opt_(o) {}
  Result<bool> run();

 private:
  Result<bool> prepare();
  /// One stack made and checked (not started): its journal, settings and election.
  Result<std::shared_ptr<StackWatch>> open_one(const WatchedStack& spec, bool several);
  /// SIGHUP: every stack re-opened; a folder's stacks added are started and the removed ended.
  void reload();
  void add_stack(const WatchedStack& spec);
  void remove_stack(const std::string& name);
  /// Each stack's own status URL, said in its alerts, and whether its log lines name it: both
  /// change when the daemon goes from one stack to several (/status becomes /stacks/NAME/status).
  void set_places();
  /// The stacks now: the HTTP threads and the stacks' threads read a copy, the main thread
  /// changes the list at SIGHUP.
  std::vector<std::shared_ptr<StackWatch>> all() const;
  Result<std::string> listen_address() const;
  Result<std::unique_ptr<HttpEndpoint>> listen(const std::string& token, HttpEndpoint::Tls tls);
  void wait_for_signals();
  void changed();
  /// The stack a page asks for: "" is the only one (nullptr when there are several).
  std::shared_ptr<StackWatch> find(const std::string& name) const;
  HttpEndpoint::Reply no_such_stack(const std::string& name) const;
  /// Where a stack's pages are: / when it is the only one, else /stacks/NAME/.
  std::string base_path(const StackWatch& w) const;
  HttpEndpoint::Reply metrics();
  HttpEndpoint::Reply status(const std::string& stack);
  HttpEndpoint::Reply health();
  HttpEndpoint::Reply page(const std::string& stack, const std::string& part);
  std::vector<StackSummary> summaries() const;

  DaemonOptions opt_;
  mutable std::shared_mutex list_mu_;  // guards stacks_ and by_name_
  std::vector<std::shared_ptr<StackWatch>> stacks_;
  std::map<std::string, std::shared_ptr<StackWatch>> by_name_;
  std::string listen_;    // the address listened on; a stack added later must agree with it
  std::string base_url_;  // http(s)://ADDR:PORT
  std::atomic<long> version_{0};
  HttpEndpoint* http_ = nullptr;
  std::atomic<bool> ready_{false};  // every stack swept once (READY said); read by the stacks' threads
};

std::vector<std::shared_ptr<StackWatch>> Daemon::all() const {
  std::shared_lock lock(list_mu_);
  return stacks_;
}

std::shared_ptr<StackWatch> Daemon::find(const std::string& name) const {
  std::shared_lock lock(list_mu_);
  if (name.empty()) return stacks_.size() == 1 ? stacks_.front() : nullptr;
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

HttpEndpoint::Reply Daemon::no_such_stack(const std::string& name) const {
  std::string names;
  size_t count = 0;
  {
    std::shared_lock lock(list_mu_);
    for (const auto& [n, w] : by_name_) names += (names.empty() ? "" : ", ") + n;
    count = stacks_.size();
  }
  if (name.empty())
    return {404, fmt::format("404: this daemon watches {} stacks ({}): ask for one at /stacks/NAME/\n", count,
                             names)};
  return {404, fmt::format("404: no stack '{}' here; the stacks are {}\n", name, names)};
}

// Every stack's page changed or not, one version: the dashboards' clients hear of each change.
void Daemon::changed() {
  long v = ++version_;
  if (http_) http_->publish("update", std::to_string(v));
  if (!ready_) {
    // A stack's first sweep may be the last one READY waits for: the main thread looks now.
    char c = 'r';
    [[maybe_unused]] ssize_t n = ::write(g_signal_pipe[1], &c, 1);
    return;
  }
  std::string status;
  auto stacks = all();
  if (stacks.size() == 1) {
    status = stacks.front()->status_line();
  } else {
    std::vector<StackSummary> all = summaries();
    int bad =
        static_cast<int>(std::count_if(all.begin(), all.end(), [](const auto& s) { return s.status != 0; }));
    status = fmt::format("{} stacks, {} not OK", all.size(), bad);
  }
  sd_notifyf(0, "STATUS=%s", status.c_str());
}

std::vector<StackSummary> Daemon::summaries() const {
  std::vector<StackSummary> all;
  for (const auto& w : this->all()) all.push_back(w->summary());
  return all;
}

HttpEndpoint::Reply Daemon::metrics() {
  MetricsPage p;
  p.family("stackdr_watch_stacks", "gauge", "Stacks this daemon watches.");
  auto stacks = all();
  p.sample("stackdr_watch_stacks", {}, static_cast<double>(stacks.size()));
  for (const auto& w : stacks) w->add_metrics(p);
  return {200, p.text(), "text/plain; version=0.0.4; charset=utf-8"};
}

// One stack's document; with several and none named, every stack's, worst first.
HttpEndpoint::Reply Daemon::status(const std::string& stack) {
  if (auto w = find(stack)) return w->status();
  if (!stack.empty()) return no_such_stack(stack);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : worst_first(summaries())) {
    nlohmann::json j = {{"stack", s.name},
                        {"site", s.site},
                        {"status", s.status},
                        {"findings", s.findings},
                        {"incidents_open", s.incidents_open},
                        {"first", s.first},
                        {"sweep_at", s.sweep_at},
                        {"url", "/stacks/" + s.name + "/status"}};
    if (s.leads) j["leader"] = *s.leads;
    list.push_back(std::move(j));
  }
  return {200, json_text({{"stacks", list}}, 2) + "\n", "application/json"};
}

// Healthy while every stack's sweeps keep coming; the body names each stack that is not.
HttpEndpoint::Reply Daemon::health() {
  auto stacks = all();
  if (stacks.size() == 1) return stacks.front()->health();
  int code = 200;
  std::string body;
  for (const auto& w : stacks) {
    HttpEndpoint::Reply r = w->health();
    if (r.status != 200) code = r.status;
    if (r.status != 200) body += w->stack().name + ": " + r.body;
  }
  if (code == 200)
    return {200, fmt::format("ok: {} stacks, each swept within its interval\n", stacks.size())};
  return {code, body};
}

HttpEndpoint::Reply Daemon::page(const std::string& stack, const std::string& part) {
  if (auto w = find(stack)) return w->page(part, base_path(*w));
  if (!stack.empty()) return no_such_stack(stack);
  const char* html = "text/html; charset=utf-8";
  std::vector<StackSummary> all = summaries();
  long v = version_;
  return {200, part == "main" ? stacks_main(all, wall_now(), v) : stacks_page(all, wall_now(), v), html};
}

// Every stack opened, checked and ready to alert before anything listens; then the signals.
Result<bool> Daemon::prepare() {
  bool several = opt_.stacks.size() > 1;
  for (const auto& spec : opt_.stacks) {
    auto w = open_one(spec, several);
    if (!w) return w.error();
    by_name_[(*w)->stack().name] = *w;
    stacks_.push_back(std::move(*w));
  }
  if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
    return Error{std::string("pipe: cannot make the signal pipe: ") + std::strerror(errno)};
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(s, &sa, nullptr);
  return true;
}

Result<std::shared_ptr<StackWatch>> Daemon::open_one(const WatchedStack& spec, bool several) {
  StackWatchShared shared{
      opt_.overrides, opt_.etcd, several, [this] { changed(); }, [this] { return version_.load(); },
      nullptr};  // the live clock
  auto w = std::make_shared<StackWatch>(spec, std::move(shared));
  if (auto r = w->prepare(); !r)
    return several ? Error{"stack " + spec.name + ": " + r.error().message} : r.error();
  return w;
}

namespace {
// Where a stack's pages are when the daemon watches `count` stacks: / for the only one.
std::string pages_of(size_t count, const std::string& stack) {
  return count == 1 ? "/" : "/stacks/" + stack + "/";
}
}  // namespace

std::string Daemon::base_path(const StackWatch& w) const {
  std::shared_lock lock(list_mu_);
  return pages_of(stacks_.size(), w.stack().name);
}

void Daemon::set_places() {
  std::shared_lock lock(list_mu_);
  for (const auto& w : stacks_)
    w->set_place(base_url_ + pages_of(stacks_.size(), w->stack().name) + "status", stacks_.size() > 1);
}

// A stack file added to the folder: checked, then watched like the others. One that cannot be
// watched (a broken file is caught by the folder's listing; a journal that will not open, a
// listen address of its own) is left out with the reason in the log, and the rest go on.
void Daemon::add_stack(const WatchedStack& spec) {
  auto w = open_one(spec, true);
  if (!w) {
    daemon_log("SIGHUP: not watching the new " + w.error().message);
    return;
  }
  if (opt_.overrides.listen.empty() && (*w)->settings().listen != listen_) {
    daemon_log(fmt::format(
        "SIGHUP: not watching the new stack {}: its `watch: listen:` is {}, this daemon listens on {} "
        "(one listener for every stack: make them agree, or start the daemon with --listen)",
        spec.name, (*w)->settings().listen, listen_));
    return;
  }
  {
    std::unique_lock lock(list_mu_);
    by_name_[(*w)->stack().name] = *w;
    stacks_.push_back(*w);
  }
  set_places();
  (*w)->start();
  daemon_log("SIGHUP: stack " + spec.name + " added to the folder: watched from now on");
}

// A stack file gone from the folder: its loop ends (a step in flight finishes and is journaled
// first), its leadership is given up, its journal stays where it was.
void Daemon::remove_stack(const std::string& name) {
  std::shared_ptr<StackWatch> w;
  {
    std::unique_lock lock(list_mu_);
    auto it = by_name_.find(name);
    if (it == by_name_.end()) return;
    w = it->second;
    by_name_.erase(it);
    stacks_.erase(std::remove(stacks_.begin(), stacks_.end(), w), stacks_.end());
  }
  w->request_stop();
  w->stop();
  set_places();
  daemon_log("SIGHUP: stack " + name +
             " is no longer in the folder: not watched any more (its journal is kept)");
}

void Daemon::reload() {
  std::set<std::string> removed;
  std::vector<WatchedStack> added;
  if (opt_.relist) {
    auto listed = opt_.relist();
    if (!listed) {
      daemon_log("SIGHUP: the stacks folder could not be listed again (" + listed.error().message +
                 "); the stacks watched stay as they were");
    } else {
      std::set<std::string> names;
      for (const auto& spec : *listed) {
        names.insert(spec.name);
        if (!find(spec.name)) added.push_back(spec);
      }
      for (const auto& w : all())
        if (!names.count(w->stack().name)) removed.insert(w->stack().name);
    }
  }
  for (const auto& name : removed) remove_stack(name);
  for (const auto& w : all()) w->reload();
  for (const auto& spec : added) add_stack(spec);
  changed();
}

// One listener for every stack: --listen, else the stacks' `watch: listen:` when they agree.
Result<std::string> Daemon::listen_address() const {
  const std::string& first = stacks_.front()->settings().listen;
  for (const auto& w : stacks_)
    if (w->settings().listen != first)
      return Error{
          fmt::format("stacks {} and {} listen on different addresses ({} and {}): one daemon listens once; "
                      "give --listen "
                      "ADDR:PORT or make their `watch: listen:` agree",
                      stacks_.front()->stack().name, w->stack().name, first, w->settings().listen)};
  return first;
}

// /metrics, /status, /healthz, the dashboards (and POST /lab/faults on the simulated stack),
// said on standard output for whoever started the daemon.
Result<std::unique_ptr<HttpEndpoint>> Daemon::listen(const std::string& token, HttpEndpoint::Tls tls) {
  auto address = listen_address();
  if (!address) return address.error();
  HttpEndpoint::Handlers h;
  h.metrics = [this] { return metrics(); };
  h.status = [this](const std::string& s) { return status(s); };
  h.health = [this] { return health(); };
  h.page = [this](const std::string& s, const std::string& part) { return page(s, part); };
  h.incident = [this](const std::string& s, int id, const std::string& what) -> HttpEndpoint::Reply {
    auto w = find(s);
    if (!w) return no_such_stack(s);
    return w->incident_page(id, what, base_path(*w));
  };
  if (std::any_of(stacks_.begin(), stacks_.end(), [](const auto& w) { return w->takes_lab_faults(); }))
    h.lab_fault = [this](const std::string& s, const std::string& fault) -> HttpEndpoint::Reply {
      auto w = find(s);
      if (!w)
        return s.empty()
                   ? HttpEndpoint::Reply{400, "POST /lab/faults?stack=NAME&name=FAULT: say which stack\n"}
                   : no_such_stack(s);
      if (!w->takes_lab_faults())
        return {404, "not the simulated stack: faults are injected only with --lab\n"};
      return w->lab_fault(fault);
    };
  bool https = !tls.cert_pem.empty();
  auto http = HttpEndpoint::start(*address, h, token, std::move(tls));
  if (!http) return http.error();
  std::string addr;
  int port = 0;
  split_listen(*address, addr, port);
  std::string base =
      fmt::format("{}://{}:{}", https ? "https" : "http",
                  addr.find(':') != std::string::npos ? "[" + addr + "]" : addr, (*http)->port());
  listen_ = *address;
  base_url_ = base;
  set_places();
  const WatchSettings& o = stacks_.front()->settings();
  std::string per_cause;
  for (const auto& [cause, policy] : o.auto_recover_causes)
    per_cause += fmt::format(", {}: {}", cause, policy);
  daemon_log(
      stacks_.size() == 1
          ? fmt::format("listening on {} (dashboard, events, metrics, status, healthz); sweeping every {} s; "
                        "auto-recovery: {}{}",
                        base, o.interval, o.auto_recover, per_cause)
          : fmt::format("listening on {} (stacks, dashboards, events, metrics, status, healthz); watching {} "
                        "stacks, each on its own schedule",
                        base, stacks_.size()));
  if (daemon_json())
    daemon_json_line({{"event", "listening"}, {"port", (*http)->port()}, {"url", base}});
  else
    std::cout << "listening on port " << (*http)->port() << "\n" << std::flush;  // for whoever started us
  return std::move(*http);
}

// The main thread: signals, the watchdog (fed while every stack's loop comes round), until told
// to stop.
void Daemon::wait_for_signals() {
  uint64_t watchdog_usec = 0;
  bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  double limit = watchdog ? static_cast<double>(watchdog_usec) / 1e6 : 0;
  bool said_ready = false;
  while (!g_stop) {
    pollfd p{g_signal_pipe[0], POLLIN, 0};
    ::poll(&p, 1, watchdog ? std::min<int>(1000, static_cast<int>(watchdog_usec / 2000)) : 500);
    char buf[64];
    while (::read(g_signal_pipe[0], buf, sizeof buf) > 0) {
    }
    if (g_stop) break;
    if (g_reload.exchange(false)) reload();
    auto stacks = all();
    bool all_ready = std::all_of(stacks.begin(), stacks.end(), [](const auto& w) { return w->ready(); });
    if (all_ready && !said_ready) {
      said_ready = ready_ = true;
      sd_notify(0, "READY=1");
      changed();
      if (daemon_json())
        daemon_json_line({{"event", "ready"}, {"stacks", stacks.size()}});
      else
        std::cout << "ready\n" << std::flush;
    }
    double now = steady_now();
    if (watchdog && std::all_of(stacks.begin(), stacks.end(),
                                [&](const auto& w) { return now - w->heartbeat() < limit; }))
      sd_notify(0, "WATCHDOG=1");
  }
}

Result<bool> Daemon::run() {
  if (auto ok = prepare(); !ok) return ok.error();
  auto token = listener_token(stacks_.front()->settings().listen, opt_.token_file, opt_.listen_insecure);
  if (!token) return token.error();
  auto tls = listener_tls(opt_.tls_cert, opt_.tls_key);
  if (!tls) return tls.error();
  auto http = listen(*token, std::move(*tls));
  if (!http) return http.error();
  http_ = http->get();
  for (const auto& w : stacks_) w->start();
  wait_for_signals();
  sd_notify(0, "STOPPING=1");
  daemon_log("stopping (signal)");
  auto stacks = all();
  for (const auto& w : stacks) w->request_stop();  // all at once: each finishes its step in flight
  for (const auto& w : stacks) w->stop();
  http_ = nullptr;
  http->reset();
  {
    std::unique_lock lock(list_mu_);
    by_name_.clear();
    stacks_.clear();
  }
  return true;
}

Result<bool> run_daemon(const DaemonOptions& o) {
  set_daemon_json(o.json);
  if (o.stacks.empty()) return Error{"no stack to watch"};
  Daemon d(o);
  return d.run();
}

}  // namespace stackdr
