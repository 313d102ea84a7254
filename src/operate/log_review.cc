#include "operate/log_review.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "probe/journal_json.h"
#include "util/text.h"

namespace stackdr {

namespace {

constexpr auto kReadTimeout = std::chrono::seconds(60);
// The most entries one read takes: a flood is reported as at least this many, not read whole.
constexpr int kMaxEntries = 20000;

std::string unit_name(const std::string& unit) {
  return unit.find('.') == std::string::npos ? unit + ".service" : unit;
}

Argv journal_argv(double since, double until, const std::string& unit) {
  // Not -q: it would also hide "No journal files were found.", which is how a machine without
  // a journal (journald not running) answers, with exit 0 and nothing on standard output.
  Argv a = {"journalctl", "--no-pager",
            "-o",         "json",
            "-p",         "warning",
            "--since",    fmt::format("@{:.0f}", since),
            "--until",    fmt::format("@{:.0f}", until),
            "-n",         std::to_string(kMaxEntries)};
  if (unit.empty()) {
    a.push_back("-k");  // the kernel's messages (this boot)
  } else {
    a.push_back("-u");
    a.push_back(unit);
  }
  return a;
}

}  // namespace

long LogReview::errors() const {
  long n = 0;
  for (const auto& g : groups)
    if (g.priority <= 3) n += g.count;
  return n;
}

long LogReview::warnings() const {
  long n = 0;
  for (const auto& g : groups)
    if (g.priority == 4) n += g.count;
  return n;
}

std::string message_shape(std::string_view m) {
  std::string out;
  for (size_t i = 0; i < m.size();) {
    if (m[i] == '0' && i + 2 < m.size() && (m[i + 1] == 'x' || m[i + 1] == 'X') &&
        std::isxdigit(static_cast<unsigned char>(m[i + 2]))) {
      out += "0xN";
      i += 2;
      while (i < m.size() && std::isxdigit(static_cast<unsigned char>(m[i]))) ++i;
    } else if (std::isdigit(static_cast<unsigned char>(m[i]))) {
      out += 'N';
      while (i < m.size() && std::isdigit(static_cast<unsigned char>(m[i]))) ++i;
    } else {
      out += m[i++];
    }
  }
  return out;
}

std::vector<LogRead> log_reads(const Topology& t, double since, double until) {
  std::vector<LogRead> out;
  for (const auto& h : t.hosts) {
    std::vector<std::string> units;
    if (h.role == HostRole::kStorage && !t.storage.service.empty())
      units.push_back(unit_name(t.storage.service));
    if (h.role == HostRole::kKvm) units.push_back("iscsid.service");
    if (h.role == HostRole::kVm) continue;  // a VM's own logs are its owner's
    for (const auto& u : units) out.push_back({h.name, u, journal_argv(since, until, u)});
    out.push_back({h.name, "kernel", journal_argv(since, until, "")});
  }
  return out;
}

LogReview review_logs(const Topology& t, const HostLookup& hosts, double since, double until) {
  LogReview r;
  r.since = since;
  r.until = until;
  std::map<std::tuple<std::string, std::string, int, std::string>, LogGroup> groups;
  for (const auto& read : log_reads(t, since, until)) {
    std::string what = fmt::format("{}: {}", read.host, describe_argv(read.argv));
    Host* h = hosts(read.host);
    if (!h) {
      r.unread.push_back(what + ": the host cannot be reached");
      continue;
    }
    CommandResult c = h->run(read.argv, kReadTimeout);
    if (!c.ok()) {
      std::string err(text::trim(c.err.empty() ? c.out : c.err));
      r.unread.push_back(fmt::format("{}: exit {}: {}", what, c.exit_code, err.substr(0, err.find('\n'))));
      continue;
    }
    if (c.err.find("No journal files were found") != std::string::npos) {
      r.unread.push_back(
          what + ": no journal on this machine (\"No journal files were found.\": is journald running?)");
      continue;
    }
    auto facts = parse_journal_json(c.out, describe_argv(read.argv));
    if (!facts) {
      r.unread.push_back(what + ": " + facts.error().message);
      continue;
    }
    r.read.push_back(read.host + " " + read.source);
    if (facts->entries.size() >= static_cast<size_t>(kMaxEntries))
      r.unread.push_back(fmt::format("{}: {} entries or more; only the latest {} were read", what,
                                     kMaxEntries, kMaxEntries));
    for (const auto& e : facts->entries) {
      if (e.priority > 4) continue;  // -p warning already; a journal that ignored it is filtered here
      std::string shape = message_shape(e.message);
      LogGroup& g = groups[{read.host, read.source, e.priority, shape}];
      if (g.count == 0) {
        g = {read.host, read.source, e.priority, shape, e.message, 0, e.at, e.at};
      }
      ++g.count;
      g.first = std::min(g.first, e.at);
      if (e.at >= g.last) {
        g.last = e.at;
        g.example = e.message;
      }
    }
  }
  for (auto& [k, g] : groups) r.groups.push_back(std::move(g));
  std::stable_sort(r.groups.begin(), r.groups.end(), [](const LogGroup& a, const LogGroup& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.count > b.count;
  });
  return r;
}

nlohmann::json log_review_json(const LogReview& r) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : r.groups)
    groups.push_back({{"host", g.host},
                      {"source", g.source},
                      {"priority", g.priority},
                      {"level", priority_name(g.priority)},
                      {"shape", g.shape},
                      {"example", g.example},
                      {"count", g.count},
                      {"first", g.first},
                      {"last", g.last}});
  return {{"since", r.since}, {"until", r.until}, {"errors", r.errors()}, {"warnings", r.warnings()},
          {"groups", groups}, {"read", r.read},   {"unread", r.unread}};
}

std::string log_review_text(const LogReview& r) {
  std::string out = fmt::format("{} error(s) and {} warning(s) in {} group(s), from {} journal read(s){}\n",
                                r.errors(), r.warnings(), r.groups.size(), r.read.size(),
                                r.unread.empty() ? "" : fmt::format("; {} NOT read", r.unread.size()));
  for (const auto& g : r.groups)
    out += fmt::format("  {:<7} {:>5}x {:<10} {:<16} {}\n", priority_name(g.priority), g.count, g.host,
                       g.source, g.example);
  for (const auto& u : r.unread) out += "  NOT READ " + u + "\n";
  return out;
}

}  // namespace stackdr
