#include "watch/dashboard.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "diagnose/diagnoser.h"
#include "util/text.h"

namespace stackdr {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// "12 s", "4 min", "3 h", "2 d": how long ago, as an admin reads it at a glance.
std::string age(double seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 90) return fmt::format("{:.0f} s", seconds);
  if (seconds < 5400) return fmt::format("{:.0f} min", seconds / 60);
  if (seconds < 172800) return fmt::format("{:.0f} h", seconds / 3600);
  return fmt::format("{:.0f} d", seconds / 86400);
}

std::string clock_time(double at) {
  return at <= 0 ? "never" : text::utc_time(at);
}

// A health word with its colour: the word is always there, the colour only repeats it.
std::string badge(const std::string& health) {
  std::string word = health.empty() ? "UNKNOWN" : health;
  return fmt::format(R"(<span class="badge h-{0}">{0}</span>)", html_escape(word));
}

// Where each layer stands in the chain, storage first: the order the page lists a LUN's path.
int layer_rank(const std::string& layer) {
  static const std::vector<std::string> order = {
      "pool-disk", "pool",       "zvol",      "target-service", "backstore", "lun", "network-path",
      "session",   "iscsi-disk", "md-member", "md-array",       "vm-disk",   "vm",  "filesystem"};
  auto it = std::find(order.begin(), order.end(), layer);
  return it == order.end() ? static_cast<int>(order.size()) : static_cast<int>(it - order.begin());
}

// A LUN's chain: every node it rests on and every node that rests on it, storage first.
std::vector<const json*> chain_of(const json& nodes, const std::string& lun_id) {
  std::map<std::string, const json*> by_id;
  std::map<std::string, std::vector<std::string>> users;  // id → the nodes that depend on it
  for (const auto& n : nodes) {
    by_id[str(n, "id")] = &n;
    for (const auto& d : n.value("depends_on", json::array()))
      users[d.get<std::string>()].push_back(str(n, "id"));
  }
  std::set<std::string> in{lun_id};
  std::vector<std::string> pending{lun_id};
  while (!pending.empty()) {  // down: what it rests on
    std::string id = pending.back();
    pending.pop_back();
    if (!by_id.count(id)) continue;
    for (const auto& d : by_id[id]->value("depends_on", json::array()))
      if (in.insert(d.get<std::string>()).second) pending.push_back(d.get<std::string>());
  }
  pending = {lun_id};
  while (!pending.empty()) {  // up: what rests on it
    std::string id = pending.back();
    pending.pop_back();
    for (const auto& u : users[id])
      if (in.insert(u).second) pending.push_back(u);
  }
  std::vector<const json*> out;
  for (const auto& id : in)
    if (by_id.count(id)) out.push_back(by_id[id]);
  std::stable_sort(out.begin(), out.end(), [](const json* a, const json* b) {
    return layer_rank(str(*a, "layer")) < layer_rank(str(*b, "layer"));
  });
  return out;
}

std::string evidence_html(const json& node, const json& unreadable) {
  std::string out;
  for (const auto& e : node.value("evidence", json::array()))
    out +=
        fmt::format(R"(<div class="ev">{} <span class="src">{} on {}</span></div>)",
                    html_escape(str(e, "text")), html_escape(str(e, "source")), html_escape(str(e, "host")));
  if (str(node, "health") == "UNKNOWN") {
    // Not seen is not absent: say which read failed on the node's host.
    std::string reads;
    for (const auto& u : unreadable)
      if (str(u, "host") == str(node, "host"))
        reads += fmt::format(R"(<div class="ev unread">not read: <code>{}</code> — {}</div>)",
                             html_escape(str(u, "source")), html_escape(str(u, "error")));
    out += reads.empty() ? std::string(R"(<div class="ev unread">not seen in the last sweep</div>)") : reads;
  }
  if (node.contains("progress")) {
    const json& p = node["progress"];
    double pct = p.value("percent", 0.0);
    out += fmt::format(
        R"(<div class="bar" role="progressbar" aria-valuenow="{0:.1f}" aria-valuemin="0" aria-valuemax="100"><span style="width:{0:.1f}%"></span></div><div class="ev">{1} {0:.1f}%{2}</div>)",
        pct, html_escape(str(p, "action")),
        p.contains("finish_minutes")
            ? fmt::format(", md estimates {:.1f} min left", p["finish_minutes"].get<double>())
            : "");
  }
  return out;
}

std::string section(const std::string& id, const std::string& title, const std::string& body) {
  return fmt::format(R"(<section id="{}"><h2>{}</h2>{}</section>)", id, html_escape(title), body);
}

std::string command_box(const std::string& cmd) {
  return fmt::format(
      R"(<div class="cmd"><code>{0}</code><button type="button" class="copy" data-copy="{0}">copy</button></div>)",
      html_escape(cmd));
}

std::string findings_html(const DashboardData& d) {
  const json& findings = d.status.value("findings", json::array());
  if (findings.empty())
    return section("findings", "Findings", R"(<p class="quiet">No failure found in the last sweep.</p>)");
  std::string out;
  for (const auto& f : findings) {
    out += fmt::format(
        R"(<article class="finding">{} <strong>Scenario {}</strong> · {} <p>{}</p><p class="quiet">runbook: {}</p>)",
        badge(str(f, "health")), f.value("scenario", 0), html_escape(str(f, "cause")),
        html_escape(str(f, "summary")), html_escape(str(f, "runbook")));
    out += "<ul>";
    for (const auto& e : f.value("evidence", json::array()))
      out += fmt::format(R"(<li>{} <span class="src">{} on {}</span></li>)", html_escape(str(e, "text")),
                         html_escape(str(e, "source")), html_escape(str(e, "host")));
    out += "</ul><p>What would repair it (the page runs nothing):</p>" +
           command_box(d.hints.verb("recover --dry-run")) + "</article>";
  }
  return section("findings", "Findings", out);
}

std::string stack_html(const DashboardData& d) {
  const json& nodes = d.status.value("nodes", json::array());
  const json& unreadable = d.status.value("unreadable", json::array());
  std::string seen = d.sweep_at > 0 ? "seen " + age(d.now - d.sweep_at) + " ago" : "not seen yet";
  std::string out;
  for (const auto& n : nodes) {
    if (str(n, "layer") != "lun") continue;
    std::string worst = "OK";
    auto chain = chain_of(nodes, str(n, "id"));
    for (const json* c : chain)
      if (str(*c, "health") != "OK") worst = str(*c, "health");
    out += fmt::format(
        R"(<details class="chain"{}><summary>{} {}</summary><table><thead><tr><th>layer</th><th>node</th><th>host</th><th>health</th><th>why, and from what</th><th>fact</th></tr></thead><tbody>)",
        worst == "OK" ? "" : " open", badge(worst), html_escape(str(n, "label")));
    for (const json* c : chain)
      out += fmt::format(
          R"(<tr class="node" data-id="{}" data-health="{}"><td data-label="layer">{}</td><td data-label="node">{}</td><td data-label="host">{}</td><td data-label="health">{}</td><td data-label="why">{}</td><td data-label="fact" class="quiet">{}</td></tr>)",
          html_escape(str(*c, "id")), html_escape(str(*c, "health")), html_escape(str(*c, "layer")),
          html_escape(str(*c, "label")), html_escape(str(*c, "host")), badge(str(*c, "health")),
          evidence_html(*c, unreadable), seen);
    out += "</tbody></table></details>";
  }
  if (out.empty()) out = R"(<p class="quiet">No LUN in the last sweep.</p>)";
  if (!unreadable.empty()) {
    out += R"(<h3>Not read in the last sweep</h3><ul class="unread">)";
    for (const auto& u : unreadable)
      out += fmt::format("<li><code>{}</code> on {}: {}</li>", html_escape(str(u, "source")),
                         html_escape(str(u, "host")), html_escape(str(u, "error")));
    out += "</ul>";
  }
  return section("stack", "Stack", out);
}

std::string progress_bar(const std::string& what, double pct, const std::string& tail) {
  return fmt::format(
      R"(<div class="progress"><span class="what">{0}</span><div class="bar" role="progressbar" aria-valuenow="{1:.1f}" aria-valuemin="0" aria-valuemax="100"><span style="width:{1:.1f}%"></span></div><span>{1:.1f}%{2}</span></div>)",
      html_escape(what), pct, html_escape(tail));
}

std::string recovery_html(const DashboardData& d) {
  std::string out;
  const json& r = d.status.value("recovery", json());
  if (r.is_object()) {
    bool running = r.value("running", false);
    out +=
        fmt::format(R"(<p>{} {} {}</p>)",
                    running ? R"(<span class="badge h-DEGRADED">RUNNING</span>)"
                            : fmt::format(R"(<span class="badge h-{0}">{1}</span>)",
                                          r.value("exit", 0) == 0 ? "OK" : "FAILED",
                                          r.value("exit", 0) == 0 ? "DONE" : "STOPPED"),
                    html_escape(str(r, "what")),
                    r.contains("incident") ? fmt::format(R"(— <a href="{1}incidents/{0}">incident {0}</a>)",
                                                         r["incident"].get<int>(), html_escape(d.base))
                                           : "");
    if (r.contains("plan")) {
      out += R"(<ol class="steps">)";
      for (const auto& s : r["plan"].value("steps", json::array())) {
        std::string state = str(s, "state");
        out += fmt::format(
            R"(<li class="step s-{}"><span class="badge st">{}</span> {} <span class="quiet">on {} · {}</span>{}{}</li>)",
            html_escape(state), html_escape(state), html_escape(str(s, "title")), html_escape(str(s, "host")),
            html_escape(str(s, "runbook")),
            str(s, "command").empty() ? "" : "<br><code>" + html_escape(str(s, "command")) + "</code>",
            (str(s, "detail").empty()
                 ? ""
                 : "<br><span class=\"quiet\">" + html_escape(str(s, "detail")) + "</span>") +
                (s.contains("seconds")
                     ? fmt::format(" <span class=\"quiet\">({:.1f} s)</span>", s["seconds"].get<double>())
                     : ""));
      }
      out += "</ol>";
    }
    if (!running && !str(r, "message").empty()) out += "<p>" + html_escape(str(r, "message")) + "</p>";
  }
  // Rebuilds, resilvers and scrubs: the recovery's own progress, then what the nodes show.
  std::string bars;
  if (r.is_object() && r.contains("progress"))
    for (const auto& [what, p] : r["progress"].items()) {
      double eta = p.value("eta_s", -1.0);
      bars += progress_bar(what, p.value("percent", 0.0), eta >= 0 ? ", ETA " + age(eta) : "");
    }
  for (const auto& n : d.status.value("nodes", json::array()))
    if (n.contains("progress")) {
      const json& p = n["progress"];
      bars += progress_bar(str(n, "label") + " " + str(p, "action"), p.value("percent", 0.0),
                           p.contains("finish_minutes")
                               ? fmt::format(", md: {:.1f} min left", p["finish_minutes"].get<double>())
                               : "");
    }
  if (!bars.empty()) out += "<h3>Rebuilds and scrubs</h3>" + bars;
  if (out.empty())
    out = R"(<p class="quiet">No recovery has run since the daemon started, and nothing rebuilds.</p>)";
  return section("recovery", "Recovery", out);
}

// How long an incident was (or is) open. A practice or lab incident keeps the simulated stack's
// clock, not this machine's: while it is open only its own end could say how long.
std::string open_for(const IncidentRecord& i, double now) {
  if (i.closed_at) return age(*i.closed_at - i.opened_at);
  return i.mode == "live" ? age(now - i.opened_at) + " so far" : "open (simulated clock)";
}

std::string incidents_html(const DashboardData& d) {
  if (d.incidents.empty())
    return section("incidents", "Incidents", R"(<p class="quiet">The journal holds no incident.</p>)");
  std::string out =
      R"(<table><thead><tr><th>#</th><th>state</th><th>opened</th><th>took</th><th>scenario</th><th>what</th></tr></thead><tbody>)";
  size_t shown = 0;
  for (const auto& i : d.incidents) {
    if (++shown > 20) break;
    out += fmt::format(
        R"(<tr class="incident" data-state="{1}"><td data-label="#"><a href="{7}incidents/{0}">{0}</a></td><td data-label="state">{2}</td><td data-label="opened">{3}</td><td data-label="took">{4}</td><td data-label="scenario">{5}</td><td data-label="what">{6}</td></tr>)",
        i.id, html_escape(i.state),
        badge(i.state == "resolved" || i.state == "closed" ? "OK"
              : i.state == "open"                          ? "FAILED"
                                                           : "DEGRADED") +
            " " + html_escape(i.state),
        clock_time(i.opened_at), open_for(i, d.now), i.scenario ? std::to_string(i.scenario) : "–",
        html_escape(i.summary), html_escape(d.base));
  }
  out += "</tbody></table>";
  for (const auto& i : d.incidents)
    if (!i.closed_at) {
      out += fmt::format("<p>Incident {} is open. To continue it:</p>", i.id) + command_box(d.hints.resume());
      break;
    }
  return section("incidents", "Incidents", out);
}

std::string alerts_html(const DashboardData& d) {
  std::string out;
  if (d.alert)
    out += fmt::format(R"(<p>{} {} since {} {}</p>)",
                       d.alert->firing ? R"(<span class="badge h-FAILED">FIRING</span>)"
                                       : R"(<span class="badge h-OK">RESOLVED</span>)",
                       html_escape(d.alert->severity), clock_time(d.alert->since),
                       html_escape(d.alert->summary));
  else
    out += R"(<p class="quiet">No alert since the daemon started.</p>)";
  std::set<std::string> receivers;
  for (const auto* m : {&d.deliveries.sent, &d.deliveries.failed})
    for (const auto& [r, n] : *m) receivers.insert(r);
  if (!receivers.empty() || d.deliveries.queued) {
    out += R"(<table><thead><tr><th>receiver</th><th>sent</th><th>failed tries</th></tr></thead><tbody>)";
    for (const auto& r : receivers) {
      auto get = [&](const std::map<std::string, long>& m) { return m.count(r) ? m.at(r) : 0L; };
      out += fmt::format(
          "<tr><td data-label=\"receiver\">{}</td><td data-label=\"sent\">{}</td><td data-label=\"failed "
          "tries\">{}</td></tr>",
          html_escape(r), get(d.deliveries.sent), get(d.deliveries.failed));
    }
    out += fmt::format("</tbody></table><p>{} deliver{} waiting to be retried.</p>", d.deliveries.queued,
                       d.deliveries.queued == 1 ? "y" : "ies");
  }
  return section("alerts", "Alerts", out);
}

// The settings `stackdr lint` checks, as the daemon last read them: each finding with what was
// read, what it costs and the fix, and what could not be read.
std::string lint_html(const DashboardData& d) {
  if (!d.lint.is_object())
    return "<h3>Settings</h3><p class=\"quiet\">Not checked yet (the daemon checks them from its second "
           "sweep on, "
           "hourly).</p>";
  std::string out = fmt::format(
      "<h3>Settings</h3><p class=\"quiet\">checked {} ago; <code>{}</code> applies the safe fixes</p>",
      age(d.now - d.lint_at), html_escape(d.hints.verb("lint --fix")));
  const json& findings = d.lint.value("findings", json::array());
  if (findings.empty()) out += "<p>No setting needs changing.</p>";
  for (const auto& f : findings)
    out += fmt::format(
        R"(<article class="lint">{} <strong>{}</strong> on {} · {}<div class="ev">{}</div><div class="ev">{}</div><div class="ev">fix: {}</div></article>)",
        str(f, "severity") == "warning" ? std::string(R"(<span class="badge h-WARNING">WARNING</span>)")
                                        : std::string(R"(<span class="badge h-OK">INFO</span>)"),
        html_escape(str(f, "id")), html_escape(str(f, "host")), html_escape(str(f, "subject")),
        html_escape(str(f, "evidence")), html_escape(str(f, "why")), html_escape(str(f, "fix")));
  for (const auto& u : d.lint.value("unread", json::array()))
    out += fmt::format(R"(<div class="ev unread">not checked: {}</div>)",
                       html_escape(u.is_string() ? u.get<std::string>() : u.dump()));
  return out;
}

std::string maintenance_html(const DashboardData& d) {
  if (d.schedule.empty())
    return section(
        "maintenance", "Maintenance",
        R"(<p class="quiet">No maintenance schedule read yet (topology <code>maintenance:</code>).</p>)" +
            lint_html(d));
  std::string out =
      R"(<table><thead><tr><th>task</th><th>every</th><th>last run</th><th>result</th><th>next due</th><th></th></tr></thead><tbody>)";
  for (const auto& r : d.schedule)
    out += fmt::format(
        "<tr><td data-label=\"task\">{}</td><td data-label=\"every\">{}</td><td data-label=\"last "
        "run\">{}</td><td data-label=\"result\">{}</td><td data-label=\"next due\">{}</td><td "
        "data-label=\"due\">{}</td></tr>",
        html_escape(r.task), html_escape(r.every), r.last_run ? clock_time(*r.last_run) : "never",
        html_escape(r.last_outcome), r.next_due ? clock_time(*r.next_due) : "off",
        r.due ? (r.skip.empty() ? std::string(R"(<span class="badge h-WARNING">DUE</span>)")
                                : "due, skipped: " + html_escape(r.skip))
              : "");
  out += "</tbody></table>";
  return section("maintenance", "Maintenance", out + lint_html(d));
}

std::string history_html(const DashboardData& d) {
  std::string out;
  const json& sweep = d.status.value("sweep", json());
  if (sweep.is_object())
    out += fmt::format("<p>{} sweeps since the daemon started; the last took {:.0f} ms.</p>", d.sweeps,
                       sweep.value("ms", 0.0));
  std::string rows;
  for (const auto& i : d.incidents)
    if (i.closed_at)
      rows += fmt::format(
          "<tr><td data-label=\"#\">{}</td><td data-label=\"opened\">{}</td><td data-label=\"open "
          "for\">{}</td><td data-label=\"outcome\">{}</td></tr>",
          i.id, clock_time(i.opened_at), age(*i.closed_at - i.opened_at), html_escape(i.outcome));
  if (!rows.empty())
    out +=
        R"(<table><thead><tr><th>#</th><th>opened</th><th>open for</th><th>outcome</th></tr></thead><tbody>)" +
        rows + "</tbody></table>";
  if (out.empty()) out = R"(<p class="quiet">Nothing yet.</p>)";
  return section("history", "History", out);
}

std::string document(const std::string& title, const std::string& header, const std::string& main) {
  return fmt::format(R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>{}</title><link rel="stylesheet" href="/assets/dashboard.css"></head>
<body><header>{}</header>
{}
<script src="/assets/dashboard.js" defer></script></body></html>
)",
                     html_escape(title), header, main);
}

}  // namespace

std::string dashboard_main(const DashboardData& d) {
  std::string status = str(d.status, "status");
  std::string head = fmt::format(
      R"(<div class="top">{} <span>{}</span> <span class="quiet">{}</span> <span class="live quiet" aria-live="polite"></span></div>)",
      badge(status.empty() ? "UNKNOWN" : status), html_escape(str(d.status, "mode")),
      d.sweep_at > 0 ? "last sweep " + age(d.now - d.sweep_at) + " ago" : "no sweep yet");
  return fmt::format(R"(<main id="main" data-version="{}">{}{}{}{}{}{}{}{}</main>)", d.version, head,
                     findings_html(d), stack_html(d), recovery_html(d), incidents_html(d), alerts_html(d),
                     maintenance_html(d), history_html(d));
}

std::string dashboard_page(const DashboardData& d) {
  std::string status = str(d.status, "status");
  std::string name = d.stack.empty() ? "" : " " + d.stack;
  return document(
      "stackdr" + name + " — " + (status.empty() ? std::string("no sweep yet") : status),
      fmt::format(
          R"(<a href="/" class="brand">stackdr</a>{2} <nav><a href="#stack">stack</a> <a href="#recovery">recovery</a> <a href="#incidents">incidents</a> <a href="#alerts">alerts</a> <a href="#maintenance">maintenance</a> <a href="#history">history</a> · <a href="/metrics">metrics</a> <a href="{0}status">status JSON</a>{1}</nav>)",
          html_escape(d.base), d.base == "/" ? "" : R"( · <a href="/">all stacks</a>)",
          d.stack.empty() ? "" : " <strong>" + html_escape(d.stack) + "</strong>"),
      dashboard_main(d));
}

// The stacks one daemon watches, worst first: each with its status, what is wrong, its open
// incidents, its last sweep and (under coordination) whether this daemon leads it.
std::string stacks_main(const std::vector<StackSummary>& stacks, double now, long version) {
  std::vector<StackSummary> order = worst_first(stacks);
  std::map<int, int> count;
  for (const auto& s : stacks) count[s.status]++;
  std::string head = fmt::format(
      R"(<div class="top"><span>{} stacks</span> <span class="quiet">{} critical · {} unknown · {} warning · {} OK</span> <span class="live quiet" aria-live="polite"></span></div>)",
      stacks.size(), count[2], count[3], count[1], count[0]);
  std::string rows;
  for (const auto& s : order) {
    std::string word = status_word(s.status);  // as the stack's own page says it
    rows += fmt::format(
        R"(<tr class="stack" data-status="{1}"><td data-label="stack"><a href="/stacks/{0}/">{0}</a></td><td data-label="site">{2}</td><td data-label="status">{3}</td><td data-label="what">{4}</td><td data-label="incidents">{5}</td><td data-label="swept">{6}</td><td data-label="acts">{7}</td></tr>)",
        html_escape(s.name), word, html_escape(s.site), badge(word),
        s.first.empty() ? (s.status == 3 ? "no sweep yet" : "") : html_escape(s.first), s.incidents_open,
        s.sweep_at > 0 ? age(now - s.sweep_at) + " ago" : "–",
        !s.leads   ? "yes"
        : *s.leads ? "leads"
                   : "follows");
  }
  return fmt::format(
      R"(<main id="main" data-version="{}">{}<section id="stacks"><h2>Stacks</h2><table><thead><tr><th>stack</th><th>site</th><th>status</th><th>what is wrong</th><th>incidents open</th><th>last sweep</th><th>acts</th></tr></thead><tbody>{}</tbody></table></section></main>)",
      version, head, rows);
}

std::vector<StackSummary> worst_first(std::vector<StackSummary> stacks) {
  // CRITICAL, then UNKNOWN (not seen is not healthy), WARNING, OK; then by name.
  auto rank = [](int status) { return status == 2 ? 0 : status == 3 ? 1 : status == 1 ? 2 : 3; };
  std::stable_sort(stacks.begin(), stacks.end(), [&](const StackSummary& a, const StackSummary& b) {
    return rank(a.status) != rank(b.status) ? rank(a.status) < rank(b.status) : a.name < b.name;
  });
  return stacks;
}

std::string stacks_page(const std::vector<StackSummary>& stacks, double now, long version) {
  int failing = 0;
  for (const auto& s : stacks) failing += s.status != 0;
  return document(
      fmt::format("stackdr — {} stacks, {} not OK", stacks.size(), failing),
      R"(<a href="/" class="brand">stackdr</a> <nav><a href="/metrics">metrics</a> <a href="/status">status JSON</a></nav>)",
      stacks_main(stacks, now, version));
}

std::string incident_page(const IncidentRecord& inc, const std::vector<JournalEvent>& events,
                          const StackHints& hints, double now, const std::string& base) {
  std::string out = fmt::format(
      R"(<main id="main"><h1>Incident {} {}</h1><p>{}</p><p class="quiet">opened {}{}; scenario {}, cause {}</p>)",
      inc.id, badge(inc.closed_at ? "OK" : "FAILED"), html_escape(inc.summary), clock_time(inc.opened_at),
      inc.closed_at
          ? ", closed " + clock_time(*inc.closed_at) + " (" + age(*inc.closed_at - inc.opened_at) + ")"
          : ", open for " + age(now - inc.opened_at),
      inc.scenario, html_escape(inc.cause));
  if (!inc.outcome.empty()) out += "<p><strong>" + html_escape(inc.outcome) + "</strong></p>";
  out += fmt::format(
      R"(<p><a href="{1}incidents/{0}/report.md" download>report (Markdown)</a> · <a href="{1}incidents/{0}/report.json" download>report (JSON)</a></p>)",
      inc.id, html_escape(base));
  if (!inc.closed_at)
    out += "<p>To continue it:</p>" + command_box(hints.resume()) + "<p>Or end it:</p>" +
           command_box(hints.close(inc.id));
  out +=
      R"(<h2>Timeline</h2><table class="timeline"><thead><tr><th>time</th><th>what</th><th>step</th><th>host</th><th>command</th><th>exit</th><th>detail and output</th></tr></thead><tbody>)";
  std::map<std::string, double> started;
  for (const auto& e : events) {
    std::string took;
    if (e.kind == EventKind::kStepStarted) started[e.step] = e.at;
    if ((e.kind == EventKind::kStepFinished || e.kind == EventKind::kStepVerified ||
         e.kind == EventKind::kStepUnverified) &&
        started.count(e.step))
      took = fmt::format(" ({:.1f} s)", e.at - started[e.step]);
    out += fmt::format(
        "<tr><td data-label=\"time\">{}</td><td data-label=\"what\">{}{}</td><td "
        "data-label=\"step\">{}</td><td data-label=\"host\">{}</td><td data-label=\"command\">{}</td><td "
        "data-label=\"exit\">{}</td><td data-label=\"detail\">{}{}</td></tr>",
        clock_time(e.at), html_escape(event_kind_name(e.kind)), took, html_escape(e.step),
        html_escape(e.host), e.argv.empty() ? "" : "<code>" + html_escape(e.argv) + "</code>",
        e.exit_code ? std::to_string(*e.exit_code) : "", html_escape(e.detail),
        e.output.empty() ? "" : "<pre>" + html_escape(e.output) + "</pre>");
  }
  out += "</tbody></table></main>";
  return document(
      fmt::format("stackdr — incident {}", inc.id),
      fmt::format(R"(<a href="/" class="brand">stackdr</a> <nav><a href="{}">dashboard</a></nav>)",
                  html_escape(base)),
      out);
}

}  // namespace stackdr
