#include "store/incident_report.h"

#include <fmt/format.h>

#include <ctime>
#include <set>

#include "util/text.h"

namespace stackdr {

namespace {

std::string when(double t) {
  return text::utc_time(t);
}

std::string duration(double s) {
  int64_t x = static_cast<int64_t>(s);
  if (x >= 3600) return fmt::format("{}h {:02}m {:02}s", x / 3600, x / 60 % 60, x % 60);
  if (x >= 60) return fmt::format("{}m {:02}s", x / 60, x % 60);
  return fmt::format("{}s", x);
}

// What the incident teaches: settings and monitoring gaps, keyed on the causes it saw.
std::vector<std::string> improvements(const IncidentRecord& inc, const std::vector<JournalEvent>& ev) {
  std::set<std::string> causes;
  if (inc.findings.is_array())
    for (const auto& f : inc.findings) causes.insert(f.value("cause", ""));
  std::vector<std::string> out;
  auto any = [&](std::initializer_list<const char*> cs) {
    for (auto c : cs)
      if (causes.count(c)) return true;
    return false;
  };
  if (any({"session-down", "portal-unreachable", "target-not-listening", "disk-offline", "lun-missing",
           "backstore-missing", "zvol-missing", "zvol-renamed"}))
    out.push_back(
        "iSCSI timers decide how long the VM stalls before md fails a leg: with open-iscsi's defaults "
        "(NOP-Out 5 s + 5 s, node.session.timeo.replacement_timeout = 120 s) a write hung 128 s in our lab; "
        "with md above, set replacement_timeout 5, node.conn[0].timeo.noop_out_interval 2 and "
        "noop_out_timeout 2, and mark the members failfast: the same write hung 9 s.");
  if (any({"lun-missing", "backstore-missing", "acl-missing", "target-not-listening"}))
    out.push_back(
        "LIO has no daemon: nothing on the storage server noticed the configuration change. Keep "
        "/etc/target/saveconfig.json under backup and audit targetcli changes; stackdr's sweep is what saw "
        "it.");
  if (any({"zvol-missing"}))
    out.push_back("A zvol's volmode changed under an exported LUN: find who ran `zfs set`.");
  if (any({"zvol-renamed"}))
    out.push_back(
        "A zvol under an exported LUN was renamed: `zpool history` on the storage server says who ran "
        "`zfs rename`.");
  if (any({"portal-unreachable"}))
    out.push_back(
        "Both legs of the mirror shared one storage network path, so one outage took every leg at once (md "
        "marked "
        "the array broken). Give each leg its own path or portal.");
  if (any({"events-mismatch", "superblock-invalid", "superblock-foreign"}))
    out.push_back(
        "Array metadata diverged: an array ran degraded unnoticed before. Alert on degraded arrays "
        "level-triggered (stackdr watch, or mdadm --monitor with a PROGRAM), not only on the first event.");
  if (any({"vdev-faulted", "vdev-degraded", "vdev-errors"}))
    out.push_back(
        "A pool disk failed: schedule SMART long tests (monthly) and keep a spare named in stackdr.yaml.");
  if (any({"fs-readonly", "fs-not-mounted"}))
    out.push_back(
        "The guest's filesystem went read-only (errors=remount-ro) before anyone saw it: watch the guests' "
        "kernel "
        "logs, not only the host.");
  for (const auto& e : ev)
    if (e.kind == EventKind::kStepRefused)
      out.push_back("A step was refused (" + e.detail +
                    "): review whether the plan or the interlock was right.");
  if (out.empty()) out.push_back("No monitoring gap identified from the causes seen.");
  return out;
}

}  // namespace

nlohmann::json incident_json(const IncidentRecord& inc) {
  return {{"id", inc.id},
          {"stack", inc.stack},
          {"site", inc.site},
          {"opened_at", inc.opened_at},
          {"closed_at", inc.closed_at ? nlohmann::json(*inc.closed_at) : nlohmann::json()},
          {"state", inc.state},
          {"mode", inc.mode},
          {"fingerprint", inc.fingerprint},
          {"scenario", inc.scenario},
          {"cause", inc.cause},
          {"root", inc.root},
          {"summary", inc.summary},
          {"outcome", inc.outcome}};
}

namespace {

// "No data loss" only when nothing was overwritten and no filesystem check changed anything:
// a repair that corrected errors may have cleared what was in the damaged blocks.
std::string data_loss_assessment(const nlohmann::json& destructive, const std::vector<std::string>& repairs) {
  std::string out;
  if (!repairs.empty())
    out = "e2fsck corrected errors: " + text::join(repairs, "; ") +
          ". What it changed is in the step's output (`incident show`); files it cleared or moved to "
          "lost+found may be lost. ";
  if (!destructive.empty()) out += "Destructive steps ran: see the snapshots to roll back.";
  if (out.empty()) out = "none: no destructive step ran and no filesystem repair changed anything";
  return std::string(text::trim(out));
}

}  // namespace

nlohmann::json incident_report_json(const IncidentRecord& inc, const std::vector<JournalEvent>& events) {
  nlohmann::json timeline = nlohmann::json::array();
  nlohmann::json destructive = nlohmann::json::array(), snapshots = nlohmann::json::array();
  nlohmann::json escalations = nlohmann::json::array();  // the runbook's Level 2 and 3, as reached
  std::vector<std::string> repairs;
  std::set<std::string> arrays, vms;
  for (const auto& e : events) {
    timeline.push_back({{"at", e.at},
                        {"time", when(e.at)},
                        {"kind", event_kind_name(e.kind)},
                        {"plan", e.plan},
                        {"step", e.step},
                        {"host", e.host},
                        {"safety", e.safety},
                        {"argv", e.argv},
                        {"exit_code", e.exit_code ? nlohmann::json(*e.exit_code) : nlohmann::json()},
                        {"detail", e.detail}});
    if (e.kind == EventKind::kStepFinished && e.safety == "destructive") destructive.push_back(e.argv);
    // e2fsck's exit status 1-3 says it changed the filesystem: what it corrected may be data.
    if (e.kind == EventKind::kStepFinished && text::starts_with(e.argv, "e2fsck") &&
        !text::contains(e.argv, " -n ") && e.exit_code && *e.exit_code >= 1 && *e.exit_code <= 3)
      repairs.push_back(fmt::format("{} on {} (exit {})", e.argv, e.host, *e.exit_code));
    if (e.kind == EventKind::kSnapshot) snapshots.push_back({{"argv", e.argv}, {"detail", e.detail}});
    if (e.kind == EventKind::kEscalation) escalations.push_back({{"time", when(e.at)}, {"detail", e.detail}});
  }
  nlohmann::json impact = nlohmann::json::array();
  if (inc.findings.is_array())
    for (const auto& f : inc.findings)
      for (const auto& i : f.value("impacted", nlohmann::json::array())) {
        std::string layer = i.value("layer", "");
        if (layer == "md-array") arrays.insert(i.value("label", ""));
        if (layer == "vm" || layer == "filesystem") vms.insert(i.value("label", ""));
      }
  double end = inc.closed_at.value_or(events.empty() ? inc.opened_at : events.back().at);
  return {{"incident", incident_json(inc)},
          {"timeline", timeline},
          {"root_cause",
           {{"scenario", inc.scenario},
            {"cause", inc.cause},
            {"root", inc.root},
            {"summary", inc.summary},
            {"findings", inc.findings}}},
          {"escalations", escalations},
          {"impact", {{"arrays", arrays}, {"vms_and_filesystems", vms}}},
          {"downtime_s", end - inc.opened_at},
          {"data_loss",
           {{"destructive_steps_run", destructive},
            {"snapshots", snapshots},
            {"filesystem_repairs", repairs},
            {"assessment", data_loss_assessment(destructive, repairs)}}},
          {"improvements", improvements(inc, events)}};
}

std::string incident_report_markdown(const IncidentRecord& inc, const std::vector<JournalEvent>& events) {
  nlohmann::json j = incident_report_json(inc, events);
  std::string out = fmt::format("# Post-incident review: incident {}\n\n", inc.id);
  if (!inc.stack.empty())
    out += fmt::format("- **Stack:** {}{}\n", inc.stack, inc.site.empty() ? "" : " (site " + inc.site + ")");
  out += fmt::format("- **State:** {} ({})\n- **Opened:** {}\n- **Closed:** {}\n- **Mode:** {}\n\n",
                     inc.state, inc.outcome, when(inc.opened_at),
                     inc.closed_at ? when(*inc.closed_at) : "still open", inc.mode);
  out += "## Timeline\n\n| time | +t | event | host | what |\n|---|---|---|---|---|\n";
  for (const auto& e : events) {
    std::string what = e.argv.empty() ? e.detail : "`" + e.argv + "`";
    if (e.exit_code) what += fmt::format(" → exit {}", *e.exit_code);
    if (!e.argv.empty() && !e.detail.empty() && e.kind != EventKind::kStepStarted) what += " — " + e.detail;
    for (auto& c : what)
      if (c == '|' || c == '\n') c = ' ';
    out += fmt::format(
        "| {} | {} | {} | {} | {} |\n", when(e.at).substr(11, 8), duration(e.at - inc.opened_at),
        std::string(event_kind_name(e.kind)) + (e.step.empty() ? "" : " " + e.step), e.host, what);
  }
  out += fmt::format("\n## Root cause\n\nRunbook scenario {}, cause `{}`: {}\n", inc.scenario, inc.cause,
                     inc.summary);
  if (inc.findings.is_array())
    for (const auto& f : inc.findings) {
      out += fmt::format("\n- {} / {} on `{}`\n", f.value("scenario", 0), f.value("cause", ""),
                         f.value("root", ""));
      for (const auto& e : f.value("evidence", nlohmann::json::array()))
        out +=
            fmt::format("  - {} `{}`: {}\n", e.value("host", ""), e.value("source", ""), e.value("text", ""));
    }
  out += "\n## Escalation\n\n";
  if (j["escalations"].empty()) out += "none beyond Level 1 (stackdr and the runbook)\n";
  for (const auto& e : j["escalations"])
    out += fmt::format("- {}: {}\n", e["time"].get<std::string>(), e["detail"].get<std::string>());
  out += "\n## Impact\n\n";
  // A list in words: "array md1 (/dev/md1), VM sjm-explore" — never a JSON list in prose.
  auto words = [](const nlohmann::json& list) {
    std::vector<std::string> w;
    for (const auto& x : list) w.push_back(x.get<std::string>());
    return w.empty() ? std::string("none") : text::join(w, ", ");
  };
  out += "- Arrays: " + words(j["impact"]["arrays"]) + "\n";
  out += "- VMs and filesystems: " + words(j["impact"]["vms_and_filesystems"]) + "\n";
  out += fmt::format("- Downtime (incident open to resolved): {}\n", duration(j["downtime_s"].get<double>()));
  out += "\n## Data loss\n\n" + j["data_loss"]["assessment"].get<std::string>() + "\n";
  for (const auto& s : j["data_loss"]["snapshots"])
    out += "- snapshot: `" + s["argv"].get<std::string>() + "` (" + s["detail"].get<std::string>() + ")\n";
  out += "\n## Improvements\n\n";
  for (const auto& i : j["improvements"]) out += "- " + i.get<std::string>() + "\n";
  return out;
}

std::string incident_list_text(const std::vector<IncidentRecord>& incidents) {
  if (incidents.empty()) return "no incidents recorded\n";
  std::string out = fmt::format("{:>4}  {:<21}  {:<10}  {:<8}  {:<24}  {}\n", "id", "opened", "state", "mode",
                                "scenario / cause", "summary");
  for (const auto& i : incidents)
    out += fmt::format("{:>4}  {:<21}  {:<10}  {:<8}  {:<24}  {}\n", i.id, when(i.opened_at).substr(0, 19),
                       i.state, i.mode, fmt::format("{} / {}", i.scenario, i.cause), i.summary);
  return out;
}

}  // namespace stackdr
