#include "cli/lint_cmd.h"

#include <fmt/format.h>

#include <iostream>

#include "cli/exit_codes.h"
#include "operate/lint.h"
#include "recover/view.h"
#include "util/json_text.h"

namespace stackdr {

namespace {

ObserveOptions lint_observe() {
  ObserveOptions o;
  o.settings = true;
  o.kernel_log = false;  // settings need no kernel log
  return o;
}

std::string lint_text(const LintReport& r) {
  std::string out;
  for (const auto& f : r.findings) {
    out += fmt::format("{:<8} {:<26} {} on {}\n", lint_severity_name(f.severity), f.id, f.subject, f.host);
    if (!f.role.empty()) out += fmt::format("         role: {}\n", f.role);
    out += fmt::format("         seen: {}\n         why:  {}\n         fix:  {}{}\n", f.evidence, f.why,
                       f.fix, f.steps.empty() ? "" : "   (stackdr lint --fix applies it)");
  }
  for (const auto& u : r.unread) out += fmt::format("UNKNOWN  not checked: {} could not be read\n", u);
  size_t warnings = 0, fixable = 0;
  for (const auto& f : r.findings) {
    warnings += f.severity == LintSeverity::kWarning;
    fixable += !f.steps.empty();
  }
  out += fmt::format("{} finding(s): {} warning(s), {} with a safe fix; {} setting(s) not checked\n",
                     r.findings.size(), warnings, fixable, r.unread.size());
  return out;
}

int report_code(const LintReport& r) {
  return r.any_warning() ? 1 : r.unread.empty() ? 0 : 3;
}

}  // namespace

int cmd_lint(const LintCliOptions& o) {
  auto ctx = StackContext::open(o.task.context);
  if (!ctx) return fail(kExitUsage, ctx.error().message);
  const Topology& t = (*ctx)->topology();
  int fix_code = 0;
  if (o.fix) {
    Task task{"lint-fix",
              "settings",
              "apply the safe fixes of stackdr lint",
              [&t](const View& v) { return lint_fix_plan(lint(t, v)); },
              false,
              nullptr};
    TaskCliOptions to = o.task;
    // The report below is what a fix prints; a dry run prints its plan (on standard output, as
    // the one JSON document with --json) and nothing else.
    to.print_outcome = o.task.dry_run;
    fix_code = run_task_cli(to, **ctx, task, lint_observe());
    if (o.task.dry_run) return fix_code;
    // What is left, whether or not every fix took.
    (o.task.json ? std::cerr : std::cout) << (fix_code == 0 ? "after the fixes:\n" : "what is left:\n");
  }
  View v = take_view(t, (*ctx)->hosts(), lint_observe());
  LintReport r = lint(t, v);
  if (o.task.json)
    std::cout << json_text(lint_json(r), 2) << "\n";
  else
    std::cout << lint_text(r);
  if (fix_code != 0) return fix_code;
  return report_code(r);
}

}  // namespace stackdr
