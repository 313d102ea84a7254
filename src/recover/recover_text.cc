#include "recover/recover_text.h"

#include <fmt/format.h>

namespace stackdr {

namespace {

// "   2/5 safe        kvm01       ": where a step's lines start.
std::string tag(const StepEvent& e) {
  return fmt::format("  {:>2}/{} {:<11} {:<12}", e.index + 1, e.count, safety_name(e.step->safety),
                     e.step->host);
}

}  // namespace

void RecoverText::incident(int id, IncidentStart how, const std::string& summary) {
  switch (how) {
    case IncidentStart::kOpened:
      out_ << fmt::format("incident {}: {}\n", id, summary);
      break;
    case IncidentStart::kResumed:
      out_ << fmt::format("resuming incident {}: {}\n", id, summary);
      break;
    case IncidentStart::kContinued:
      out_ << fmt::format("continuing incident {}: {}\n", id, summary);
      break;
    case IncidentStart::kAfterOperator:
      out_ << fmt::format("continuing incident {} (it needed an operator): {}\n", id, summary);
      break;
  }
}

void RecoverText::plan_made(int, const Plan& p, const std::vector<std::string>& commands, bool task) {
  if (task)
    out_ << fmt::format("plan: {}\n", p.summary);
  else
    out_ << fmt::format("plan: scenario {} / {} — {}\n", p.scenario, p.cause, p.summary);
  for (size_t i = 0; i < p.steps.size(); ++i) {
    const Step& s = p.steps[i];
    out_ << fmt::format("  {:>2}. {:<11} {:<12} {}\n", i + 1, safety_name(s.safety), s.host,
                        i < commands.size() ? commands[i] : "");
    out_ << fmt::format("      {} [{}]\n", s.title, s.runbook);
    if (!s.predict.empty()) out_ << "      " << s.predict << "\n";
  }
}

void RecoverText::finishing_interrupted() {
  out_ << "finishing the interrupted plan:\n";
}

void RecoverText::step_started(const StepEvent& e) {
  if (!e.command.empty()) {
    out_ << tag(e) << " " << e.command << "\n";
    return;
  }
  out_ << tag(e) << " waiting: " << e.step->title << "\n";
  if (!e.step->predict.empty()) out_ << "      " << e.step->predict << "\n";
}

void RecoverText::step_rerun(const StepEvent& e, const std::string& why) {
  out_ << tag(e) << " interrupted before its result was recorded; running it again is harmless: " << why
       << "\n";
}

void RecoverText::step_finished(const StepEvent& e, const StepEnd& end) {
  switch (end.result) {
    case StepResult::kDoneEarlier:
      out_ << tag(e) << " done before the interruption (journal): " << e.step->title << "\n";
      return;
    case StepResult::kSkipped:
      out_ << tag(e) << " already holds: " << e.step->done_when << "\n";
      return;
    case StepResult::kRefused:
      out_ << tag(e) << (end.refusal == "interrupted" ? " NOT RUN AGAIN " : " REFUSED ") << e.command
           << "\n      " << end.detail << "\n";
      return;
    case StepResult::kOk:
      if (!e.command.empty()) out_ << "      ok: " << e.step->done_when << "\n";
      return;
    case StepResult::kFailed:
    case StepResult::kUnverified:
    case StepResult::kFailedBestEffort:
      if (end.command_failed)
        out_ << "      exit " << end.exit_code.value_or(-1) << end.exit_meaning << ": " << end.error_line
             << "\n";
      if (e.step->best_effort && end.result != StepResult::kFailedBestEffort)
        out_ << "      did not take (" << end.detail << "); going on with the next step\n";
      return;
    case StepResult::kWaited:
    case StepResult::kTimedOut:
    case StepResult::kGaveUp:
    case StepResult::kStopped:
    case StepResult::kUnresolved:
    case StepResult::kDeclined:
      return;  // the wait's end, and why a plan stopped, are the outcome's to say
  }
}

void RecoverText::progress(const Progress& p) {
  out_ << "      " << progress_bar(p) << "\n";
}

void RecoverText::snapshot(const SnapshotEvent& e) {
  const std::string& s = e.snapshot;
  switch (e.kind) {
    case SnapshotEvent::kFoundInJournal:
      out_ << fmt::format("      snapshot {} was taken before this run (journaled)\n", s);
      break;
    case SnapshotEvent::kFoundOnPool:
      out_ << fmt::format("      snapshot {} was taken by the interrupted run (found on the pool)\n", s);
      break;
    case SnapshotEvent::kShortOfRoom:
      out_ << "      " << e.detail << "\n";
      break;
    case SnapshotEvent::kTaken:
      out_ << fmt::format("      snapshot {} taken (undo: zfs rollback -r {})\n", s, s);
      break;
    case SnapshotEvent::kFailed:
      out_ << fmt::format("      snapshot {} FAILED\n", s);
      break;
    case SnapshotEvent::kAlreadyHeld:
      out_ << fmt::format("      held already (zfs release stackdr {} lets it go)\n", s);
      break;
    case SnapshotEvent::kHeld:
      out_ << fmt::format("      held (zfs release stackdr {} lets it go)\n", s);
      break;
    case SnapshotEvent::kNotHeld:
      out_ << fmt::format("      NOT held: {} (zfs release stackdr {} lets it go)\n", e.detail, s);
      break;
  }
}

void RecoverText::replanning(const std::string& why) {
  out_ << "the stack changed during the plan (" << why << "): planning again\n";
}

}  // namespace stackdr
