#include "cli/text_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "diagnose/diagnoser.h"

namespace stackdr {

namespace {

std::vector<std::string> host_order(const Topology& t, const StackGraph& g) {
  std::vector<std::string> out{t.storage.host};
  for (const auto& h : t.kvm_hosts()) out.push_back(h);
  for (const auto& n : g.nodes())
    if (std::find(out.begin(), out.end(), n.host) == out.end()) out.push_back(n.host);
  return out;
}

}  // namespace

std::string status_text(const Topology& t, const StackGraph& g, const std::vector<Finding>& findings,
                        const std::string& mode) {
  int code = status_code(g);
  std::string out = fmt::format("stackdr status — {} — {}\n", mode, t.source);
  out += fmt::format("{}: {}\n", status_word(code),
                     findings.empty()
                         ? (code == 0   ? std::string("every layer is healthy")
                            : code == 3 ? std::string("some sources could not be read")
                                        : std::string("no failure whose cause can be named from what "
                                                      "was read (see the ? lines)"))
                         : fmt::format("{} finding{} (stackdr diagnose shows evidence and impact)",
                                       findings.size(), findings.size() == 1 ? "" : "s"));
  for (const auto& f : findings)
    out += fmt::format("  ✗ Scenario {} / {}: {}\n", f.scenario, f.cause, f.summary);
  out += unexplained_text(g);
  for (const auto& host : host_order(t, g)) {
    std::vector<const Node*> nodes;
    for (const auto& n : g.nodes())
      if (n.host == host) nodes.push_back(&n);
    if (nodes.empty()) continue;
    std::stable_sort(nodes.begin(), nodes.end(), [](const Node* a, const Node* b) {
      return static_cast<int>(a->layer) < static_cast<int>(b->layer);
    });
    out += fmt::format("\n{}\n", host);
    for (const Node* n : nodes) {
      std::string extra;
      for (const auto& [k, v] : n->attrs)
        if (k == "sync" || k == "finish" || k == "scan") extra += " " + k + "=" + v;
      out +=
          fmt::format("  {:<9} {:<15} {}{}\n", health_name(n->health), layer_name(n->layer), n->label, extra);
      if (n->health != Health::kOk) {
        out += fmt::format("  {:<9} {:<15}   why: {}", "", "", n->cause);
        if (!n->evidence.empty())
          out += fmt::format(" — {}: {}", n->evidence.front().source, n->evidence.front().text);
        out += "\n";
      }
    }
  }
  return out;
}

std::string unexplained_text(const StackGraph& g) {
  std::string out;
  for (const auto& u : unexplained(g)) {
    const Evidence* why = u.unknown_below->evidence.empty() ? nullptr : &u.unknown_below->evidence.front();
    out += fmt::format("  ? {} is {} ({}), but its cause cannot be named: {} below it is UNKNOWN{}\n",
                       u.node->label, health_name(u.node->health), u.node->cause, u.unknown_below->label,
                       why ? fmt::format(" ({}: {})", why->source, why->text) : "");
  }
  return out;
}

std::string findings_text(const std::vector<Finding>& findings) {
  if (findings.empty()) return "No failure found that rests on what could be read.\n";
  std::string out;
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    out += fmt::format("Finding {} — Scenario {} / {} ({})\n", i + 1, f.scenario, f.cause,
                       health_name(f.health));
    out += fmt::format("  root cause: {} on {}\n             [{}]\n", f.root_label, f.host, f.root);
    out += fmt::format("  what:       {}\n", f.summary);
    if (!f.runbook.empty()) out += fmt::format("  runbook:    {}\n", f.runbook);
    out += "  evidence:\n";
    for (const auto& e : f.evidence) out += fmt::format("    {:<10} {}: {}\n", e.host, e.source, e.text);
    out += "  impact:\n";
    if (f.impacted.empty()) out += "    nothing above it is affected yet\n";
    for (const auto& im : f.impacted)
      out += fmt::format("    {:<9} {:<11} {}\n", health_name(im.health), im.layer, im.label);
    out += "\n";
  }
  return out;
}

std::string unreadable_text(const Observation& obs) {
  std::string out;
  for (const auto& s : obs.sources)
    if (!s.ok) out += fmt::format("  {}: {}: {}\n", s.host, s.source, s.error);
  return out.empty() ? "" : "Could not read:\n" + out;
}

}  // namespace stackdr
