#include "cli/lab_cmd.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli/exit_codes.h"
#include "cli/stack_context.h"
#include "host/clock.h"
#include "sim/faults.h"
#include "sim/practice_stack.h"
#include "sim/sim_stack.h"
#include "store/journal_file.h"
#include "util/json_text.h"
#include "util/text.h"

namespace stackdr {

namespace {

// `sd`: the state directory's option as the repair hint must carry it (pasted, it repairs this
// practice stack and no other).
int faults(bool json, const std::string& sd) {
  if (json) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& f : sim::fault_catalog())
      a.push_back(
          {{"name", f.name}, {"scenario", f.scenario}, {"cause", f.cause}, {"description", f.description}});
    nlohmann::json r = nlohmann::json::array();
    for (const auto& x : sim::repair_catalog())
      r.push_back({{"name", x.name}, {"after_fault", x.after_fault}, {"description", x.description}});
    std::cout << json_text(nlohmann::json{{"faults", a}, {"repairs", r}}, 2) << "\n";
    return 0;
  }
  for (const auto& f : sim::fault_catalog())
    std::cout << fmt::format("{:<24} scenario {}  {:<22} {}\n", f.name, f.scenario, f.cause, f.description);
  std::cout << "\nthe operator's part, for `stackdr lab repair NAME " << sd
            << "` (what stackdr waits for and cannot do):\n";
  for (const auto& x : sim::repair_catalog())
    std::cout << fmt::format("{:<24} after {:<22} {}\n", x.name, x.after_fault, x.description);
  return 0;
}

// Incidents opened on a practice stack that no longer exists in that state: closed, said so
// in the journal, so the next rehearsal is not told to resume them.
// Returns what it closed, as lines to show.
std::vector<std::string> close_practice_incidents(const std::string& lab_dir, const std::string& state_dir) {
  std::vector<std::string> closed;
  if (!journal_recorded(lab_dir)) return closed;
  std::vector<std::string> notes;
  auto j = open_journal_file(
      lab_dir, {.write = true, .hint_options = journal_hints(state_dir, "", true).journal_options()}, notes);
  for (const auto& n : notes) std::cerr << "stackdr: " << n << "\n";
  if (!j) {
    std::cerr << "stackdr: the practice stack's open incidents stay open: " << j.error().message << "\n";
    return closed;
  }
  for (const auto& inc : (*j)->incidents()) {
    if (inc.mode != "practice" || (inc.state != "open" && inc.state != "stopped")) continue;
    JournalEvent e;
    e.incident = inc.id;
    e.at = incident_now(inc, (*j)->events(inc.id), state_dir);
    e.kind = EventKind::kClosed;
    e.detail = "closed: the practice stack it was opened on was reset";
    (*j)->add(e);
    (*j)->close_incident(inc.id, e.at, "closed", e.detail);
    closed.push_back(
        fmt::format("incident {} ({}) closed: its practice stack was reset", inc.id, inc.summary));
  }
  return closed;
}

nlohmann::json show_json(const sim::PracticeStack& p, const std::filesystem::path& folder) {
  const sim::SimState& s = *p.state();
  nlohmann::json tape = nlohmann::json::array();
  for (const auto& e : p.tape()) {
    nlohmann::json j{{"kind", sim::tape_kind_name(e.kind)}, {"at", text::utc_time(e.at)}};
    if (e.kind == sim::TapeEntry::Kind::kMade) j["source"] = e.source;
    if (e.kind == sim::TapeEntry::Kind::kFault) j["fault"] = e.fault;
    if (e.kind == sim::TapeEntry::Kind::kRepair) j["repair"] = e.fault;
    if (e.kind == sim::TapeEntry::Kind::kCommand) {
      j["host"] = e.host;
      j["argv"] = e.argv;
    }
    if (e.kind == sim::TapeEntry::Kind::kTime) j["seconds"] = e.seconds;
    tape.push_back(j);
  }
  return {{"folder", folder.string()},
          {"topology", p.topology_path().string()},
          {"pace_ms", p.pace_ms()},
          {"simulated_time", sim::ctime_string(s.now)},
          {"arrays_in_sync", sim::arrays_in_sync(s)},
          {"data_loss", s.data_loss},
          {"tape", tape}};
}

std::string show_text(const sim::PracticeStack& p, const std::filesystem::path& folder) {
  const sim::SimState& s = *p.state();
  const auto& tape = p.tape();
  std::string out =
      fmt::format("practice stack {}\n  made {} from {} (pace {} ms per step)\n", folder.string(),
                  text::utc_time(tape.front().at), tape.front().source, p.pace_ms());
  out += fmt::format("  simulated time: {}\n", sim::ctime_string(s.now));
  out += fmt::format("  arrays in sync: {}\n", sim::arrays_in_sync(s) ? "yes" : "no");
  out += fmt::format("  data lost: {}\n", s.data_loss.empty() ? "none" : text::join(s.data_loss, "; "));
  out += "\nwhat was done to it:\n";
  // Waits come in runs of many small ones; each run is one line.
  int64_t waited = 0;
  int waits = 0;
  auto flush_waits = [&] {
    if (waits)
      out +=
          fmt::format("  {:>23}  time passes: {} s ({} wait{})\n", "", waited, waits, waits == 1 ? "" : "s");
    waited = waits = 0;
  };
  for (size_t i = 1; i < tape.size(); ++i) {
    const auto& e = tape[i];
    if (e.kind == sim::TapeEntry::Kind::kTime) {
      waited += e.seconds;
      ++waits;
      continue;
    }
    flush_waits();
    if (e.kind == sim::TapeEntry::Kind::kFault)
      out += fmt::format("  {}  fault {}\n", text::utc_time(e.at), e.fault);
    else if (e.kind == sim::TapeEntry::Kind::kRepair)
      out += fmt::format("  {}  operator: {}\n", text::utc_time(e.at), e.fault);
    else
      out += fmt::format("  {}  {}: {}\n", text::utc_time(e.at), e.host, describe_argv(e.argv));
  }
  flush_waits();
  if (tape.size() == 1) out += "  nothing yet: it is healthy as made\n";
  out += fmt::format("\n`stackdr status --lab --state-dir {}` shows it as stackdr sees it.\n",
                     hint_word(std::filesystem::absolute(folder.parent_path().parent_path()).string()));
  return out;
}

// `lab reset` with another topology or pace: the stack made anew from it (its pace kept unless
// one is given). The old one is set aside first and put back if the new one cannot be made.
// Returns where the topology came from.
Result<std::string> remake(const std::filesystem::path& folder, const LabCliOptions& o) {
  int pace = o.pace_ms;
  if (pace < 0) {
    auto old = sim::PracticeStack::open(folder);
    pace = old ? (*old)->pace_ms() : 0;
  }
  auto topo = simulated_topology_source(o.config);
  if (!topo) return topo.error();
  if (auto t = parse_topology(topo->text, topo->source); !t) return t.error();
  std::error_code ec;
  std::filesystem::path aside = folder.string() + ".old";
  std::filesystem::remove_all(aside, ec);
  std::filesystem::rename(folder, aside, ec);
  if (ec) return Error{fmt::format("{}: cannot set aside: {}", folder.string(), ec.message())};
  auto p = sim::PracticeStack::create_from_text(folder, topo->text, topo->source, pace);
  if (!p) {
    std::filesystem::rename(aside, folder, ec);  // the old one stays as it was
    return p.error();
  }
  std::filesystem::remove_all(aside, ec);
  return topo->source;
}

// `lab repair NAME…`: the operator's repairs, each said in `lines` and in the JSON list returned.
Result<nlohmann::json> repair(sim::PracticeStack& p, const std::vector<std::string>& names,
                              std::vector<std::string>& lines) {
  nlohmann::json done = nlohmann::json::array();
  for (const auto& name : names) {
    if (auto r = p.repair(name); !r) return r.error();
    for (const auto& x : sim::repair_catalog())
      if (x.name == name) {
        lines.push_back(fmt::format("repaired {}: {}", name, x.description));
        done.push_back({{"repair", name}, {"description", x.description}});
      }
  }
  return done;
}

}  // namespace

int cmd_lab(const LabCliOptions& o) {
  std::string lab_dir = state_dir_for(o.state_dir, true);
  auto folder = sim::PracticeStack::folder(lab_dir);
  // Every command suggested here names this state directory: a pasted hint must not reach
  // the default one (or, without --lab, a live stack).
  ContextOptions practice_options;
  practice_options.lab = true;
  practice_options.state_dir = o.state_dir;
  StackHints hints = stack_hints(practice_options);
  std::string sd = "--state-dir " + hint_word(hints.journal.back());
  if (o.verb == "faults") return faults(o.json, sd);
  // One answer per verb: a line of text, or (--json) one document with the same facts.
  auto answer = [&](const std::string& text, nlohmann::json j, const std::vector<std::string>& closed = {}) {
    if (o.json) {
      j["practice_stack"] = folder.string();
      j["closed_incidents"] = closed;
      std::cout << json_text(j, 2) << "\n";
    } else {
      for (const auto& c : closed) std::cout << c << "\n";
      std::cout << text << "\n";
    }
    return 0;
  };
  if (o.verb == "init") {
    auto topo = simulated_topology_source(o.config);
    if (!topo) return fail(kExitUsage, topo.error().message);
    auto p = sim::PracticeStack::create_from_text(folder, topo->text, topo->source, std::max(o.pace_ms, 0));
    if (!p) return fail(kExitUsage, p.error().message);
    return answer(
        fmt::format("practice stack made in {}: healthy. Break it with `stackdr lab inject FAULT {}` "
                    "(`stackdr lab faults` lists them); every verb given --lab {} works on it: `{}`.",
                    folder.string(), sd, sd, hints.verb("status")),
        {{"made", true}, {"source", topo->source}, {"next", hints.verb("status")}});
  }
  if (!sim::PracticeStack::exists(folder))
    return fail(kExitUsage, fmt::format("no practice stack in {}: make one with `stackdr lab init {}`",
                                        folder.string(), sd));
  if (o.verb == "reset" && (!o.config.empty() || o.pace_ms >= 0)) {
    auto source = remake(folder, o);
    if (!source) return fail(kExitUsage, source.error().message);
    auto closed = close_practice_incidents(lab_dir, o.state_dir);
    return answer(fmt::format("practice stack in {} made anew from {}: healthy", folder.string(), *source),
                  {{"made", true}, {"source", *source}}, closed);
  }
  auto p = sim::PracticeStack::open(folder);
  if (!p) return fail(kExitUsage, p.error().message);
  for (const auto& n : (*p)->notes()) std::cerr << "stackdr: " << n << "\n";
  if (o.verb == "inject") {
    std::vector<std::string> lines;
    nlohmann::json injected = nlohmann::json::array();
    for (const auto& f : o.faults) {
      if (auto r = (*p)->inject(f); !r) return fail(kExitUsage, r.error().message);
      const sim::Fault* fault = sim::find_fault(f);
      lines.push_back(fmt::format("injected {}: {}", f, fault ? fault->description : ""));
      injected.push_back({{"fault", f}, {"description", fault ? fault->description : ""}});
    }
    return answer(text::join(lines, "\n"), {{"injected", injected}, {"next", hints.verb("diagnose")}});
  }
  if (o.verb == "repair") {
    std::vector<std::string> lines;
    auto done = repair(**p, o.faults, lines);
    if (!done) return fail(kExitUsage, done.error().message);
    std::string next = hints.verb("recover");
    lines.push_back(fmt::format("continue the recovery: `{}`", next));
    return answer(text::join(lines, "\n"), {{"repaired", *done}, {"next", next}});
  }
  if (o.verb == "reset") {
    if (auto r = (*p)->reset(); !r) return fail(kExitUsage, r.error().message);
    auto closed = close_practice_incidents(lab_dir, o.state_dir);
    return answer(fmt::format("practice stack in {} reset: healthy", folder.string()), {{"reset", true}},
                  closed);
  }
  // show
  std::cout << (o.json ? json_text(show_json(**p, folder), 2) + "\n" : show_text(**p, folder));
  return 0;
}

}  // namespace stackdr
