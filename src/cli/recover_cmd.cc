#include "cli/recover_cmd.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/incident_report.h"
#include "recover/executor.h"
#include "store/host_lock.h"

namespace stackdr {

namespace {

constexpr int kExitUsage = 64;

int fail(int code, const std::string& m) {
  std::cerr << "stackdr: " << m << "\n";
  return code;
}

Result<std::unique_ptr<Journal>> open_journal(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{fmt::format("{}: cannot create the state directory: {}", dir, ec.message())};
  return Journal::open(dir + "/stackdr.db");
}

bool ask_terminal(const std::string& question) {
  if (!isatty(STDIN_FILENO)) return false;  // nobody to ask: no
  std::cerr << question << " [y/N] " << std::flush;
  std::string line;
  if (!std::getline(std::cin, line)) return false;
  return line == "y" || line == "Y" || line == "yes";
}

}  // namespace

std::string default_state_dir() {
  if (const char* e = std::getenv("STACKDR_STATE_DIR"); e && *e) return e;
  return "/var/lib/stackdr";
}

int cmd_recover(const RecoverCliOptions& o) {
  if (!o.context.from.empty() && !o.dry_run)
    return fail(kExitUsage,
                "--from replays captured output, which cannot be changed: use --dry-run to see the plan");
  auto ctx = StackContext::open(o.context);
  if (!ctx) return fail(kExitUsage, ctx.error().message);
  const Topology& t = (*ctx)->topology();
  std::string dir = o.state_dir.empty() ? default_state_dir() : o.state_dir;
  auto journal = open_journal(dir);
  if (!journal) return fail(kExitUsage, journal.error().message);

  // One recovery per host: take every host's lock, in name order so two runs cannot deadlock.
  std::vector<std::unique_ptr<HostLock>> locks;
  if (!o.dry_run) {
    std::vector<std::string> names;
    for (const auto& h : t.hosts) names.push_back(h.name);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      auto l = HostLock::acquire(dir, n);
      if (!l) return fail(kLocked, l.error().message);
      locks.push_back(std::move(*l));
    }
  }
  std::unique_ptr<Clock> clock;
  if ((*ctx)->sim())
    clock = std::make_unique<SimClock>((*ctx)->sim());
  else
    clock = std::make_unique<LiveClock>();
  Executor ex(t, (*ctx)->hosts(), *clock, **journal, std::cout);
  RecoverOptions ro;
  ro.policy.dry_run = o.dry_run;
  ro.policy.yes = o.yes;
  ro.policy.allow_data_loss = o.allow_data_loss;
  ro.resume = o.resume;
  ro.mode = (*ctx)->sim() ? "lab" : "live";
  ro.plan.new_disk = o.new_disk;
  ro.ask = ask_terminal;
  RecoverOutcome r = ex.run(ro);
  if (o.json) {
    nlohmann::json steps = steps_json(r.steps);
    std::cout << nlohmann::json{{"exit", r.exit},
                                {"message", r.message},
                                {"incident", r.incident},
                                {"rounds", r.rounds},
                                {"steps", steps}}
                     .dump(2)
              << "\n";
  } else if (!r.message.empty()) {
    std::cout << r.message << "\n";
  }
  return r.exit;
}

int cmd_incident(const std::string& state_dir, const std::string& verb, int id, const std::string& format) {
  auto journal = open_journal(state_dir.empty() ? default_state_dir() : state_dir);
  if (!journal) return fail(kExitUsage, journal.error().message);
  if (verb == "list") {
    auto all = (*journal)->incidents();
    if (format == "json") {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& i : all) a.push_back(incident_json(i));
      std::cout << nlohmann::json{{"incidents", a}}.dump(2) << "\n";
    } else {
      std::cout << incident_list_text(all);
    }
    return 0;
  }
  auto inc = (*journal)->incident(id);
  if (!inc) return fail(kExitUsage, fmt::format("no incident {} (see `stackdr incident list`)", id));
  auto events = (*journal)->events(id);
  if (verb == "show") {
    if (format == "json") {
      nlohmann::json j = incident_report_json(*inc, events);
      std::cout << nlohmann::json{{"incident", j["incident"]}, {"timeline", j["timeline"]}}.dump(2) << "\n";
    } else {
      std::cout << incident_list_text({*inc});
      for (const auto& e : events)
        std::cout << fmt::format("  {:>8.0f}s  {:<15} {:<28} {:<12} {}{}\n", e.at - inc->opened_at, e.kind,
                                 e.step, e.host, e.argv.empty() ? e.detail : e.argv,
                                 e.exit_code ? fmt::format(" → exit {}", *e.exit_code) : "");
    }
    return 0;
  }
  if (verb == "report") {
    if (format == "json")
      std::cout << incident_report_json(*inc, events).dump(2) << "\n";
    else if (format == "md" || format.empty())
      std::cout << incident_report_markdown(*inc, events);
    else
      return fail(kExitUsage, "--format must be md or json");
    return 0;
  }
  return fail(kExitUsage, "usage: stackdr incident list|show N|report N [--format md|json]");
}

}  // namespace stackdr
