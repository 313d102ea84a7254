// stackdr: the command line. Each verb gathers its inputs, calls the stages below (probe,
// model, diagnose, sim) and prints; nothing below cli/ prints to the terminal.

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/collect_cmd.h"
#include "cli/docs_gen.h"
#include "cli/exit_codes.h"
#include "cli/init_cmd.h"
#include "cli/journal_cmd.h"
#include "cli/lab_cmd.h"
#include "cli/lint_cmd.h"
#include "cli/lun_cmd.h"
#include "cli/maintain_cmd.h"
#include "cli/recover_cmd.h"
#include "cli/stack_context.h"
#include "cli/text_report.h"
#include "cli/watch_cmd.h"
#include "diagnose/diagnoser.h"
#include "diagnose/report_json.h"
#include "drill/drill.h"
#include "host/ssh_host.h"
#include "probe/parser_registry.h"
#include "recover/status_json.h"
#include "recover/view.h"
#include "sim/faults.h"
#include "store/journal.h"
#include "util/json_text.h"
#include "util/text.h"

namespace stackdr {
namespace {

// A whole number in [lo, hi], with an error a person can act on (CLI11's own prints the
// range of a double for --count 0).
CLI::Validator whole_number(long long lo, long long hi) {
  return CLI::Validator(
      [lo, hi](std::string& v) -> std::string {
        auto n = text::to_int(v);
        if (!n || *n < lo || *n > hi)
          return fmt::format("expected a whole number from {} to {}, not '{}'", lo, hi, v);
        return "";
      },
      fmt::format("{}..{}", lo, hi));
}

// The closest known word, for "did you mean" (Levenshtein distance, at most 2 edits).
std::string closest(const std::string& word, const std::vector<std::string>& known) {
  std::string best;
  size_t best_d = 3;
  for (const auto& k : known) {
    std::vector<size_t> prev(k.size() + 1), cur(k.size() + 1);
    for (size_t j = 0; j <= k.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= k.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (word[i - 1] == k[j - 1] ? 0 : 1)});
      std::swap(prev, cur);
    }
    if (prev[k.size()] < best_d) {
      best_d = prev[k.size()];
      best = k;
    }
  }
  return best;
}

// A verb CLI11 does not know (`stackdr statsu`): say which verbs there are and the likely one.
std::optional<int> unknown_verb(const CLI::App& app, int argc, char** argv) {
  const CLI::App* level = &app;
  for (int i = 1; i < argc; ++i) {
    std::string w = argv[i];
    if (w.empty() || w[0] == '-') return std::nullopt;  // options come after the verbs they belong to
    std::vector<std::string> names;
    for (const CLI::App* sub : level->get_subcommands({})) names.push_back(sub->get_name());
    if (names.empty()) return std::nullopt;
    auto found = std::find(names.begin(), names.end(), w);
    if (found == names.end()) {
      if (level != &app && !level->get_require_subcommand_min()) return std::nullopt;  // a positional
      std::string guess = closest(w, names);
      std::cerr << fmt::format("stackdr: unknown command '{}'{}; the commands{} are: {}\n", w,
                               guess.empty() ? "" : fmt::format(" — did you mean '{}'?", guess),
                               level == &app ? "" : " of " + level->get_name(), text::join(names, ", "));
      return kExitUsage;
    }
    level = level->get_subcommand(w);
  }
  return std::nullopt;
}

// A topology folder's stack chosen once the verb's options are read, before it runs: every
// verb below works on the one stack (`watch` without --stack takes them all; cli/watch_cmd.cc).
struct StackSelectionError : CLI::ParseError {
  explicit StackSelectionError(const std::string& what)
      : CLI::ParseError("StackSelectionError", what, kExitUsage) {}
};

void add_context_options(CLI::App* cmd, ContextOptions& o, bool every_stack = false) {
  cmd->add_option("--stack", o.stack,
                  "the stack, by its name: required when the topology is a folder of several (stacks.d)");
  if (!every_stack)
    cmd->parse_complete_callback([&o] {
      if (auto r = select_stack(o); !r) throw StackSelectionError(r.error().message);
    });
  cmd->add_option(
      "--config", o.config,
      "topology file, or a folder of them, one stack each (default: $STACKDR_CONFIG, else "
      "/etc/stackdr/stackdr.yaml, else /etc/stackdr/stacks.d; none: exit 64, see `stackdr init`; --lab alone "
      "uses the built-in example)");
  cmd->add_flag("--lab", o.lab, "run against the simulated stack instead of the real machines");
  cmd->add_option("--fault", o.faults,
                  "inject a fault into the simulated stack (repeatable; see `stackdr lab faults`)");
  cmd->add_option(
      "--from", o.from,
      "read a bundle (`stackdr collect`'s .tar.gz, or a folder per host) instead of running commands");
  cmd->add_option("--state-dir", o.state_dir,
                  "journal, locks and the practice stack (default $STACKDR_STATE_DIR or /var/lib/stackdr)");
}

int cmd_status_or_diagnose(const ContextOptions& o, bool json, bool diagnose_view) {
  auto ctx = StackContext::open(o);
  if (!ctx) return fail(kExitUsage, ctx.error().message);
  auto t0 = std::chrono::steady_clock::now();
  Observation observed = (*ctx)->observe();
  double sweep_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  // The one observe → md state → graph → findings pipeline recovery uses too.
  View v = make_view((*ctx)->topology(), std::move(observed));
  const Observation& obs = v.observation;
  const StackGraph& g = v.graph;
  const std::vector<Finding>& findings = v.findings;
  int code = v.status;
  if (json) {
    nlohmann::json j = status_json(v, (*ctx)->mode(), diagnose_view);
    // What the sweep read and how long each read took: where detection time goes.
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& s : obs.sources)
      sources.push_back(
          {{"host", s.host}, {"source", s.source}, {"ok", s.ok}, {"ms", std::round(s.ms * 10) / 10}});
    j["sweep"] = {{"ms", std::round(sweep_ms)}, {"sources", sources}};
    // What opening each SSH connection cost (part of the sweep's time on a first run).
    nlohmann::json connections = nlohmann::json::array();
    for (const auto& h : (*ctx)->topology().hosts)
      if (auto* ssh = dynamic_cast<SshHost*>((*ctx)->hosts()(h.name)); ssh && ssh->connect_ms())
        connections.push_back({{"host", h.name}, {"ms", std::round(*ssh->connect_ms() * 10) / 10}});
    j["sweep"]["connections"] = connections;
    std::cout << json_text(j, 2) << "\n";
  } else {
    std::cout << (diagnose_view ? findings_text(findings) + unexplained_text(g)
                                : status_text((*ctx)->topology(), g, findings, (*ctx)->mode()));
    std::string u = unreadable_text(obs);
    if (!u.empty()) std::cout << "\n" << u;
  }
  return code;
}

int cmd_parse(const std::string& kind, const std::string& file, bool json) {
  const ParserEntry* p = find_parser(kind);
  if (!p) {
    std::string kinds;
    for (const auto& e : parser_registry()) kinds += "  " + e.kind + "  (" + e.description + ")\n";
    return fail(kExitUsage, fmt::format("unknown parser kind '{}'; known kinds:\n{}", kind, kinds));
  }
  std::ostringstream ss;
  if (file == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail(kExitUsage, fmt::format("{}: cannot read", file));
    ss << in.rdbuf();
  }
  auto r = p->parse(ss.str(), file);
  if (!r) return fail(kExitInput, r.error().message);
  if (json) {
    std::cout << json_text(*r, 2) << "\n";
  } else {
    // The human form is the same facts, indented; warnings go to stderr so they are seen.
    nlohmann::json facts = *r;
    nlohmann::json warnings = facts.contains("warnings") ? facts["warnings"] : nlohmann::json::array();
    facts.erase("warnings");
    std::cout << json_text(facts, 2) << "\n";
    for (const auto& w : warnings)
      std::cerr << fmt::format("warning: {}:{}: {} ({})\n", file, w["line"].get<int>(),
                               w["reason"].get<std::string>(), w["text"].get<std::string>());
  }
  return 0;
}

int cmd_drill(const std::string& config, const std::string& which, bool json, bool chaos, uint64_t seed,
              int count) {
  auto topo = simulated_topology(config);  // a drill touches no machine: the example is fine
  if (!topo) return fail(kExitUsage, topo.error().message);
  if (chaos) {
    ChaosResult r = run_chaos(*topo, seed, count);
    std::cout << (json ? json_text(chaos_json(r, seed), 2) + "\n" : chaos_text(r, seed));
    return r.data_loss_actions == 0 && r.healthy + r.escalated == r.runs ? 0 : 1;
  }
  std::vector<std::string> faults;
  if (which == "all")
    for (const auto& f : sim::fault_catalog()) faults.push_back(f.name);
  else
    faults.push_back(which);
  std::vector<DrillResult> results;
  std::vector<std::pair<std::string, std::string>> not_applicable;  // fault, why
  for (const auto& f : faults) {
    const auto& cat = sim::fault_catalog();
    if (std::none_of(cat.begin(), cat.end(), [&](const sim::Fault& x) { return x.name == f; })) {
      std::vector<std::string> names;
      for (const auto& x : cat) names.push_back(x.name);
      std::string guess = closest(f, names);
      return fail(kExitUsage, fmt::format("unknown fault '{}'{}; the faults are: {}", f,
                                          guess.empty() ? "" : " — did you mean '" + guess + "'?",
                                          text::join(names, ", ")));
    }
    // A known fault that cannot be injected here does not apply to this topology (a zvol
    // fault where LUNs are plain devices, a VM fault where there is no VM).
    auto r = run_drill(*topo, f);
    if (!r) {
      not_applicable.emplace_back(f, r.error().message);
      continue;
    }
    results.push_back(std::move(*r));
  }
  if (json) {
    nlohmann::json j = drill_json(results);
    j["not_applicable"] = nlohmann::json::array();
    for (const auto& [f, why] : not_applicable) j["not_applicable"].push_back({{"fault", f}, {"why", why}});
    std::cout << json_text(j, 2) << "\n";
  } else {
    std::cout << drill_text(results);
    for (const auto& [f, why] : not_applicable)
      std::cout << fmt::format("{}: not applicable to this topology ({})\n", f, why);
  }
  if (!json && results.size() == 1 && faults.size() == 1) std::cout << "\n" << results[0].output;
  bool all_ok = std::all_of(results.begin(), results.end(), [](const DrillResult& r) { return r.passed(); });
  return all_ok ? 0 : 1;
}

int run(int argc, char** argv) {
  CLI::App app{"stackdr — keeps a ZFS → LIO iSCSI → open-iscsi → MD RAID1 → KVM storage stack alive"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "stackdr " STACKDR_VERSION);
  int code = 0;

  ContextOptions status_opt, diag_opt;
  bool status_json = false, diag_json = false;
  auto* status = app.add_subcommand(
      "status", "each layer and node with its health and why (" + exit_status_of("status") + ")");
  add_context_options(status, status_opt);
  status->add_flag("--json", status_json, "machine-readable output");
  status->callback([&] { code = cmd_status_or_diagnose(status_opt, status_json, false); });

  auto* diag = app.add_subcommand("diagnose",
                                  "the failures in the runbook's terms: scenario, cause, evidence, impact (" +
                                      exit_status_of("status") + ")");
  add_context_options(diag, diag_opt);
  diag->add_flag("--json", diag_json, "machine-readable output");
  diag->callback([&] { code = cmd_status_or_diagnose(diag_opt, diag_json, true); });

  InitCliOptions init_opt;
  auto* init = app.add_subcommand(
      "init", "draft a topology from what the machines show, read-only (to standard output, or --out FILE)");
  init->add_option("--storage", init_opt.storage,
                   "the storage server: [USER@]HOST[:PORT] over SSH, or local");
  init->add_option("--kvm", init_opt.kvm, "the KVM host: [USER@]HOST[:PORT] over SSH, or local");
  init->add_option("--vm", init_opt.vms,
                   "only this libvirt domain (repeatable; default: every one on the stack)");
  init->add_option("--identity", init_opt.identity, "the SSH key file for both");
  init->add_option("--ssh-option", init_opt.ssh_options,
                   "an ssh -o Key=Value for both (repeatable; kept in the draft's hosts)");
  init->add_option("--out", init_opt.out, "write the draft here (a new file; never over one)");
  init->add_flag("--lab", init_opt.lab, "draft the practice stack's topology (of --state-dir)");
  init->add_option("--state-dir", init_opt.state_dir, "with --lab: where the practice stack is");
  init->add_flag("--json", init_opt.json,
                 "standard output is one JSON document (the draft and what is undecided)");
  init->callback([&] { code = cmd_init(init_opt); });

  ContextOptions collect_opt;
  std::string collect_out;
  auto* collect = app.add_subcommand(
      "collect", "one sweep, every read of every host kept in a .tar.gz bundle (for a ticket, or --from)");
  add_context_options(collect, collect_opt);
  collect->add_option("--out", collect_out, "the bundle file (default stackdr-bundle-TIME.tar.gz here)");
  bool collect_json = false;
  collect->add_flag("--json", collect_json,
                    "standard output is one JSON document (the bundle and its reads)");
  collect->callback([&] { code = cmd_collect(collect_opt, collect_out, collect_json); });

  std::string parse_kind, parse_file;
  bool parse_json = false;
  auto* parse =
      app.add_subcommand("parse", "print what a parser reads from a captured output (FILE - reads stdin)");
  parse->add_option("KIND", parse_kind,
                    "mdstat, mdadm-detail, mdadm-examine, zpool-status, ... (see `stackdr parse --kinds`)");
  parse->add_option("FILE", parse_file, "the captured output");
  parse->add_flag("--json", parse_json, "JSON output");
  bool list_kinds = false;
  parse->add_flag("--kinds", list_kinds, "list the parser kinds");
  parse->callback([&] {
    if (list_kinds) {
      nlohmann::json kinds = nlohmann::json::array();
      for (const auto& e : parser_registry()) {
        if (parse_json)
          kinds.push_back({{"kind", e.kind}, {"description", e.description}});
        else
          std::cout << fmt::format("{:<24} {}\n", e.kind, e.description);
      }
      if (parse_json) std::cout << json_text(nlohmann::json{{"kinds", kinds}}, 2) << "\n";
      return;
    }
    if (parse_kind.empty() || parse_file.empty()) {
      code = fail(kExitUsage, "usage: stackdr parse KIND FILE [--json]  (stackdr parse --kinds lists KIND)");
      return;
    }
    code = cmd_parse(parse_kind, parse_file, parse_json);
  });

  LabCliOptions lab_opt;
  auto* lab = app.add_subcommand(
      "lab", "the simulated stack: its faults, and a practice stack kept in the state directory");
  lab->require_subcommand(1);
  auto lab_verb = [&](CLI::App* verb) {
    verb->callback([&, verb] {
      lab_opt.verb = verb->get_name();
      code = cmd_lab(lab_opt);
    });
  };
  auto state_dir_option = [&](CLI::App* verb) {
    verb->add_option("--state-dir", lab_opt.state_dir,
                     "where the practice stack is kept, in lab/practice (default $STACKDR_STATE_DIR or "
                     "/var/lib/stackdr)");
  };
  auto* faults = lab->add_subcommand("faults", "list the faults --fault and `lab inject` can inject");
  faults->add_flag("--json", lab_opt.json, "JSON output");
  state_dir_option(faults);  // the repair hint it prints names the practice stack's folder
  lab_verb(faults);
  auto* lab_init = lab->add_subcommand(
      "init", "make a healthy practice stack that every verb given --lab uses until `lab reset`");
  auto* lab_reset = lab->add_subcommand(
      "reset",
      "make the practice stack healthy again (closes its open incidents); --config or --pace remake it");
  for (CLI::App* verb : {lab_init, lab_reset}) {
    verb->add_option("--config", lab_opt.config, "topology file (default: the usual search)");
    verb->add_option("--pace", lab_opt.pace_ms,
                     "milliseconds of real time each recovery step takes, to follow a rehearsal (default 0)")
        ->check(whole_number(0, 60000));
  }
  auto* lab_inject = lab->add_subcommand("inject", "break the practice stack (see `stackdr lab faults`)");
  lab_inject->add_option("FAULT", lab_opt.faults, "one or more faults, injected in order")->required();
  auto* lab_repair = lab->add_subcommand("repair",
                                         "do the operator's part on the practice stack (the network back, a "
                                         "disk put in): see `stackdr lab faults`");
  lab_repair->add_option("REPAIR", lab_opt.faults, "one or more repairs, in order")->required();
  auto* lab_show =
      lab->add_subcommand("show", "what was done to the practice stack, and whether it lost data");
  lab_show->add_flag("--json", lab_opt.json, "JSON output");
  for (CLI::App* verb : {lab_init, lab_reset, lab_inject, lab_repair})
    verb->add_flag("--json", lab_opt.json, "JSON output");
  for (CLI::App* verb : {lab_init, lab_reset, lab_inject, lab_repair, lab_show}) {
    state_dir_option(verb);
    lab_verb(verb);
  }

  std::string drill_config, drill_which = "all";
  bool drill_json_flag = false, drill_chaos = false;
  uint64_t drill_seed = 1;
  int drill_count = 100;
  auto* drill = app.add_subcommand(
      "drill",
      "on the simulated stack: inject a fault, detect, diagnose, recover, verify (all = every fault)");
  drill->add_option("FAULT", drill_which, "a fault name, or all (default)");
  drill->add_option("--config", drill_config, "topology file");
  drill->add_flag("--json", drill_json_flag, "JSON output");
  drill->add_flag("--chaos", drill_chaos, "random mixtures and orders of faults, some during recovery");
  auto* chaos_flag = drill->get_option("--chaos");
  drill->add_option("--seed", drill_seed, "chaos: random seed (default 1)")->needs(chaos_flag);
  drill->add_option("--count", drill_count, "chaos: number of runs (default 100)")
      ->check(whole_number(1, 1000000))
      ->needs(chaos_flag);
  drill->get_option("FAULT")->excludes(chaos_flag);
  drill->callback([&] {
    code = cmd_drill(drill_config, drill_which, drill_json_flag, drill_chaos, drill_seed, drill_count);
  });

  RecoverCliOptions rec_opt;
  auto* recover = app.add_subcommand("recover", "run the recovery plan (" + exit_status_of("recover") + ")");
  add_context_options(recover, rec_opt.context);
  recover->add_flag("--dry-run", rec_opt.dry_run,
                    "print every round of the plan with the exact argv per host; change and write nothing");
  recover->add_flag("--yes", rec_opt.yes, "run disruptive steps without asking");
  recover->add_flag("--allow-data-loss", rec_opt.allow_data_loss,
                    "let destructive steps run (interlocks still apply; a zvol snapshot is taken first)");
  recover->add_flag("--resume", rec_opt.resume,
                    "continue the interrupted incident without repeating done steps");
  recover->add_flag("--new-journal", rec_opt.new_journal,
                    "start a new incident journal; the old files are kept beside it, renamed (for a journal "
                    "refused as damaged or emptied)");
  recover
      ->add_option("--new-disk", rec_opt.new_disk,
                   "pool disk to `zpool replace` a failed one with, as /dev/disk/by-id/NAME")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            const std::string prefix = "/dev/disk/by-id/";
            if (v.rfind(prefix, 0) != 0 || v.size() == prefix.size() ||
                v.find('/', prefix.size()) != std::string::npos)
              return "give the new disk as /dev/disk/by-id/NAME (sdX names move between boots; '" + v +
                     "' is not a by-id path)";
            v = v.substr(prefix.size());  // the planner and zpool name pool disks by their by-id name
            return "";
          },
          "/dev/disk/by-id/NAME"));
  recover->add_flag("--json", rec_opt.json,
                    "standard output is one JSON document (the outcome, or the --dry-run plan); the step log "
                    "goes to standard error");
  recover->callback([&] { code = cmd_recover(rec_opt); });

  LintCliOptions lint_opt;
  auto* lint_cmd = app.add_subcommand("lint", "check the stack's settings against what it needs (" +
                                                  exit_status_of("lint") +
                                                  "; with --fix: " + exit_status_of("recover") + ")");
  add_context_options(lint_cmd, lint_opt.task.context);
  lint_cmd->add_flag("--fix", lint_opt.fix,
                     "apply the safe fixes through the step engine (journaled), then check again");
  lint_cmd->add_flag("--dry-run", lint_opt.task.dry_run, "with --fix: show the steps; change nothing");
  lint_cmd->add_flag("--yes", lint_opt.task.yes, "with --fix: run disruptive steps without asking");
  lint_cmd->add_flag("--json", lint_opt.task.json, "standard output is one JSON document");
  lint_cmd->callback([&] { code = cmd_lint(lint_opt); });

  LunCliOptions lun_opt;
  auto* lun =
      app.add_subcommand("lun", "the LUNs: list them joined across the stack; create, remove, resize");
  lun->require_subcommand(1);
  auto* lun_list = lun->add_subcommand("list",
                                       "each LUN: zvol, backstore and serial, target/LUN, ACLs, session, "
                                       "today's sdX, md array and role, VM disk");
  auto* lun_create = lun->add_subcommand(
      "create", "zvol, backstore with a stable serial, target, LUN, ACL, saveconfig (idempotent)");
  auto* lun_remove = lun->add_subcommand(
      "remove", "refused while an array, a session or a VM uses it; the zvol is held, not destroyed");
  auto* lun_resize = lun->add_subcommand("resize", "grow a LUN's zvol and rescan its session (grow only)");
  for (CLI::App* sub : {lun_list, lun_create, lun_remove, lun_resize}) {
    add_context_options(sub, lun_opt.task.context);
    sub->add_flag("--json", lun_opt.task.json, "standard output is one JSON document");
    sub->callback([&, sub] {
      lun_opt.verb = sub->get_name();
      code = cmd_lun(lun_opt);
    });
  }
  for (CLI::App* sub : {lun_create, lun_remove, lun_resize}) {
    sub->add_option("NAME", lun_opt.request.name, "the LUN's name")->required();
    sub->add_flag("--dry-run", lun_opt.task.dry_run, "show the steps; change nothing");
    sub->add_flag("--yes", lun_opt.task.yes, "run disruptive steps without asking");
  }
  for (CLI::App* sub : {lun_create, lun_resize})
    sub->add_option("--size", lun_opt.size, "size: bytes, or a number with K, M, G or T")->required();
  lun_create->add_flag("--sparse", lun_opt.request.sparse, "a sparse zvol (no reservation)");
  lun_create->add_option("--volblocksize", lun_opt.request.volblocksize,
                         "the zvol's volblocksize (default 16K)");
  lun_create->add_option("--target", lun_opt.request.target,
                         "target IQN (default: named like the topology's)");
  lun_create->add_option("--zvol", lun_opt.request.zvol,
                         "zvol POOL/NAME (default: named like the topology's)");
  lun_create->add_option("--lun", lun_opt.request.lun, "LUN number in the target (default 0)")
      ->check(CLI::Range(0, 16383));
  lun_create->add_flag("--login", lun_opt.request.login, "also discover and log in on the KVM host");
  lun_remove
      ->add_option("--keep-days", lun_opt.request.keep_days,
                   "mark the held zvol to be kept N days (default 7)")
      ->check(CLI::Range(0, 3650));

  MaintainCliOptions maint_opt;
  auto* maintain = app.add_subcommand("maintain",
                                      "run a maintenance task (scrub md-check smart config-backup drill "
                                      "log-review arc), or show the schedule");
  add_context_options(maintain, maint_opt.task.context);
  maintain->add_option("TASK", maint_opt.name,
                       "scrub | md-check | smart | config-backup | drill | log-review | arc");
  maintain->add_flag("--schedule", maint_opt.schedule,
                     "what runs next, when each task last ran, and why one would be skipped now");
  maintain->add_flag("--no-wait", maint_opt.no_wait,
                     "start a scrub or check and return (do not wait for it)");
  maintain->add_flag("--dry-run", maint_opt.task.dry_run, "show the steps; change nothing");
  maintain->add_flag("--json", maint_opt.task.json, "standard output is one JSON document");
  maintain->callback([&] {
    if (maint_opt.schedule == !maint_opt.name.empty()) {
      code = fail(kExitUsage, "give a TASK or --schedule");
      return;
    }
    code = cmd_maintain(maint_opt);
  });

  WatchCliOptions watch_opt;
  auto* watch = app.add_subcommand(
      "watch",
      "the daemon: sweep on kernel events and every interval, keep incidents, alert, serve /metrics");
  add_context_options(watch, watch_opt.context, true);
  watch->add_option(
      "--listen", watch_opt.listen,
      "ADDRESS:PORT for /metrics, /status and /healthz (default 127.0.0.1:9470; port 0: any free one)");
  watch->add_option("--webhook", watch_opt.webhook,
                    "POST alerts there in Alertmanager's format (http:// or https:// URL; Alertmanager's own "
                    "/api/v2/alerts works)");
  watch->add_option("--mail", watch_opt.mail_to, "mail alerts to this address through sendmail -t");
  watch->add_option(
      "--exec", watch_opt.exec,
      "run this program for each alert, the alert as JSON on its standard input (argv; repeat the "
      "option for each word)");
  watch->add_option("--token-file", watch_opt.token_file,
                    "a file holding the token every request must carry (Authorization: Bearer); needed to "
                    "listen on anything but loopback; not world-readable");
  watch->add_option("--tls-cert", watch_opt.tls_cert,
                    "serve HTTPS with this certificate (PEM, the chain after it); needs --tls-key");
  watch->add_option("--tls-key", watch_opt.tls_key,
                    "the certificate's private key (PEM, not world-readable); needs --tls-cert");
  watch
      ->add_option(
          "--etcd", watch_opt.etcd,
          "etcd's client URLs (http://HOST:PORT or https://, comma-separated or repeated), over the "
          "topology's coordination: section: of the daemons watching this stack, only the one holding "
          "its leader key acts (incidents, alerts, recovery, maintenance); the others watch")
      ->delimiter(',');
  watch->add_option("--etcd-ca", watch_opt.etcd_ca,
                    "with https:// endpoints: the CA that signed etcd's certificates (PEM), over the "
                    "topology's coordination.etcd.ca");
  watch->add_option("--etcd-cert", watch_opt.etcd_cert,
                    "this daemon's client certificate for etcd's --client-cert-auth (PEM); needs --etcd-key");
  watch->add_option("--etcd-key", watch_opt.etcd_key,
                    "the client certificate's private key (PEM, not world-readable); needs --etcd-cert");
  watch->add_flag(
      "--json", watch_opt.json,
      "a stream of JSON lines on standard output (listening, ready, each log line), nothing else there");
  watch->add_flag("--listen-insecure", watch_opt.listen_insecure,
                  "listen on a non-loopback address without a token (anyone who reaches it reads the stack)");
  watch->add_option("--interval", watch_opt.interval,
                    "seconds between sweeps when nothing happens (default 60)");
  watch->add_option("--remind", watch_opt.remind,
                    "seconds between reminders of a failure still there (default 3600)");
  watch->add_option("--resolve-after", watch_opt.resolve_after,
                    "seconds a failure must stay gone before it is resolved (default 120)");
  watch
      ->add_option(
          "--auto-recover", watch_opt.auto_recover,
          "off (default: alert only), safe (safe steps only) or disruptive; destructive steps always "
          "wait for an operator")
      ->check(CLI::IsMember({"off", "safe", "disruptive"}));
  watch->callback([&] { code = cmd_watch(watch_opt); });

  IncidentCliOptions jopt;
  auto* journal = app.add_subcommand(
      "journal", "the incident journal itself: verify its seals, restore a backup, set it aside");
  journal->require_subcommand(1);
  journal->add_option("--state-dir", jopt.state_dir,
                      "journal location (default $STACKDR_STATE_DIR or /var/lib/stackdr)");
  journal->add_option("--stack", jopt.stack,
                      "the journal of this stack of a topology folder (STATE-DIR/stacks/NAME)");
  journal->add_flag("--lab", jopt.lab, "the journal of runs on the simulated stack (STATE-DIR/lab)");
  journal->add_flag("--json", jopt.json, "standard output is one JSON document");
  journal
      ->add_subcommand(
          "verify", "every record against its seal, read-only; exit 65 naming the first that does not match")
      ->callback([&] { code = cmd_journal_verify(jopt); })
      ->fallthrough();  // journal verify --state-dir X
  auto* restore = journal->add_subcommand(
      "restore",
      "put a backup (the newest in STATE-DIR/backups, or --backup FILE) in place of the journal, after "
      "checking its seals; the journal it replaces is kept beside it, renamed");
  restore->add_option("--backup", jopt.backup, "the backup to restore (default: the newest)")
      ->check(CLI::ExistingFile);
  restore->callback([&] { code = cmd_journal_restore(jopt); })->fallthrough();
  journal
      ->add_subcommand(
          "set-aside",
          "rename the journal's files aside (kept, never deleted); the next run starts a new one")
      ->callback([&] { code = cmd_journal_set_aside(jopt); })
      ->fallthrough();

  IncidentCliOptions inc;
  auto* incident = app.add_subcommand("incident", "the incident journal: list, show N, report N, close N");
  incident->require_subcommand(1);
  incident->add_option("--state-dir", inc.state_dir,
                       "journal location (default $STACKDR_STATE_DIR or /var/lib/stackdr)");
  incident->add_option("--stack", inc.stack,
                       "the journal of this stack of a topology folder (STATE-DIR/stacks/NAME)");
  incident->add_flag("--lab", inc.lab, "the journal of runs on the simulated stack (STATE-DIR/lab)");
  incident->add_flag("--json", inc.json, "standard output is one JSON document (--format json)");
  auto* inc_list = incident->add_subcommand(
      "list", "every incident (failures); --tasks: LUN changes, lint fixes, maintenance");
  inc_list->add_flag("--tasks", inc.tasks, "list the tasks instead of the failures");
  inc_list->add_option("--format", inc.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  inc_list->callback([&] {
    inc.verb = "list";
    code = cmd_incident(inc);
  });
  auto* inc_show = incident->add_subcommand("show", "one incident's timeline");
  inc_show->add_option("N", inc.id, "incident id")->required();
  inc_show->add_option("--format", inc.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  inc_show->callback([&] {
    inc.verb = "show";
    code = cmd_incident(inc);
  });
  auto* inc_report = incident->add_subcommand("report", "the post-incident review");
  inc_report->add_option("N", inc.id, "incident id")->required();
  inc_report->add_option("--format", inc.format, "md (default) or json")
      ->check(CLI::IsMember({"md", "json"}));
  inc_report->callback([&] {
    inc.verb = "report";
    code = cmd_incident(inc);
  });
  auto* inc_close = incident->add_subcommand("close",
                                             "end an open, stopped or escalated incident you dealt with "
                                             "yourself (recorded as closed, not recovered)");
  inc_close->add_option("N", inc.id, "incident id")->required();
  inc_close->add_option("--why", inc.why, "what you did about it, for the record")->required();
  inc_close->callback([&] {
    inc.verb = "close";
    code = cmd_incident(inc);
  });

  for (CLI::App* sub : incident->get_subcommands({})) sub->fallthrough();  // incident list --state-dir X
  // The manual page and the completion are made from this tree at build time (cli/docs_gen.h).
  if (argc == 2 && std::string_view(argv[1]) == "--man") {
    std::cout << man_page(app, "stackdr " STACKDR_VERSION);
    return 0;
  }
  if (argc == 2 && std::string_view(argv[1]) == "--bash-completion") {
    std::cout << bash_completion(app);
    return 0;
  }
  if (auto rc = unknown_verb(app, argc, argv)) return *rc;
  try {
    app.parse(argc, argv);
  } catch (const StackSelectionError& e) {
    return fail(kExitUsage, e.what());
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : kExitUsage;
  }
  return code;
}

}  // namespace
}  // namespace stackdr

// The last resort: nothing may end in an abort (SIGABRT, no message) halfway through a repair.
// Every error that can be foreseen is a value with its own message and exit code; what reaches
// here is said in one line, and stackdr stops without starting anything more.
int main(int argc, char** argv) {
  try {
    return stackdr::run(argc, argv);
  } catch (const stackdr::JournalError& e) {
    std::cerr << "stackdr: journal unavailable: " << e.what()
              << "\nstackdr: stopped; nothing further was run. A step that was running has a result nobody "
                 "recorded: `stackdr recover --resume` re-observes before it plans anything.\n";
    return 74;  // EX_IOERR
  } catch (const std::exception& e) {
    std::cerr << "stackdr: internal error: " << e.what() << "\nstackdr: stopped; nothing further was run.\n";
    return 70;  // EX_SOFTWARE
  } catch (...) {
    std::cerr << "stackdr: internal error (unknown exception)\nstackdr: stopped; nothing further was run.\n";
    return 70;
  }
}
