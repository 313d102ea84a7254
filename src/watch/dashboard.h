#pragma once
/// The dashboard `stackdr watch` serves at `/`: HTML rendered here, on the server, from what the
/// daemon already holds (the /status document, the journal's incidents, the alert under way, the
/// maintenance schedule). It reads without JavaScript; with it, dashboard.js swaps in the
/// `<main>` this renders again (GET /?part=main) each time /events says something changed, so
/// there is one renderer, not a second one in the browser. The page only reads: it never runs
/// a step; it shows the command that would.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operate/maintain.h"
#include "recover/stack_hints.h"
#include "store/journal.h"
#include "watch/alerts.h"

namespace stackdr {

/// What one rendering of the dashboard shows, copied out of the daemon under its locks.
struct DashboardData {
  nlohmann::json status;                  // the /status document (nodes, findings, sweep, recovery)
  double sweep_at = 0;                    // wall clock of the last sweep's end (0: none yet)
  long sweeps = 0;                        // sweeps since the daemon started
  std::vector<IncidentRecord> incidents;  // newest first
  struct Alert {
    bool firing = false;
    std::string summary, severity;
    double since = 0;
    int incident = 0;
  };
  std::optional<Alert> alert;  // the failure under way, or the last one (resolved)
  AlertSender::Counts deliveries;
  std::vector<ScheduleRow> schedule;
  nlohmann::json lint;  // lint_json of the daemon's last settings check (null: none yet)
  double lint_at = 0;
  StackHints hints;  // the options that select this stack, in every command shown
  double now = 0;
  long version = 0;        // changes whenever anything above may have
  std::string stack;       // the stack's name ("" when it has none)
  std::string base = "/";  // where this stack's pages are: "/", or "/stacks/NAME/" in a daemon of several
};

/// One stack in the list of a daemon that watches several.
struct StackSummary {
  std::string name, site;
  int status = 3;  // 0 OK, 1 degraded, 2 failed, 3 unknown (no sweep yet)
  size_t findings = 0;
  int incidents_open = 0;
  std::string first;          // the first finding's summary ("" when none)
  double sweep_at = 0;        // wall clock of the last sweep (0: none)
  std::optional<bool> leads;  // under coordination: whether this daemon leads the stack
};

/// The whole page.
std::string dashboard_page(const DashboardData& d);
/// Its `<main>` element alone, for the live update.
std::string dashboard_main(const DashboardData& d);
/// The list of stacks (a daemon of several serves it at `/`), worst first; each links to its
/// own dashboard at /stacks/NAME/. The page, and its `<main>` alone for the live update.
std::string stacks_page(const std::vector<StackSummary>& stacks, double now, long version);
/// The stacks in the list's order: CRITICAL, UNKNOWN, WARNING, OK, then by name (/ and /status).
std::vector<StackSummary> worst_first(std::vector<StackSummary> stacks);
std::string stacks_main(const std::vector<StackSummary>& stacks, double now, long version);
/// One incident: its timeline (every step's command, output and duration), the report, and the
/// command that continues it.
std::string incident_page(const IncidentRecord& inc, const std::vector<JournalEvent>& events,
                          const StackHints& hints, double now, const std::string& base = "/");

/// The stylesheet and the script, compiled into the binary (no CDN, no build step).
std::string_view dashboard_css();
std::string_view dashboard_js();

/// `s` with &, <, >, " and ' written as entities: every text from the stack passes through it
/// (a LUN's name or a tool's output is not trusted to be free of markup).
std::string html_escape(std::string_view s);

}  // namespace stackdr
