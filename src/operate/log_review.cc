#include "operate/log_review.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "probe/dmesg_raw.h"
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

// "" when `h` keeps a journal; else why its reads would say nothing. A running journald's
// journal is never empty (it logs its own start), while journalctl on a machine without one
// (journald not running: a container, a bare init) prints nothing and exits 0 for every query
// in -o json — which must not pass for a quiet week. Found in the lab, whose machines run a
// bash init: the kernel had logged "md: super_written gets error=-5" and the review said 0.
std::string journal_missing(Host* h) {
  CommandResult c = h->run({"journalctl", "--no-pager", "-o", "json", "-n", "1"}, kReadTimeout);
  if (!c.ok()) {
    std::string err(text::trim(c.err.empty() ? c.out : c.err));
    return fmt::format("journalctl -n 1: exit {}: {}", c.exit_code, err.substr(0, err.find('\n')));
  }
  if (c.err.find("No journal files were found") != std::string::npos || text::trim(c.out).empty())
    return "no journal on this machine (journalctl shows no entry at all: is journald running?)";
  return "";
}

namespace {

// Like messages counted together: by host, source, level and shape.
class Grouper {
 public:
  void add(const std::string& host, const std::string& source, int priority, double at,
           const std::string& message) {
    if (priority > 4)
      return;  // warnings and worse only (journalctl -p warning already; dmesg is not filtered)
    std::string shape = message_shape(message);
    LogGroup& g = groups_[{host, source, priority, shape}];
    if (g.count == 0) g = {host, source, priority, shape, message, 0, at, at};
    ++g.count;
    g.first = std::min(g.first, at);
    if (at >= g.last) {
      g.last = at;
      g.example = message;
    }
  }
  // Most severe first, then the most frequent.
  std::vector<LogGroup> sorted() {
    std::vector<LogGroup> out;
    for (auto& [k, g] : groups_) out.push_back(std::move(g));
    std::stable_sort(out.begin(), out.end(), [](const LogGroup& a, const LogGroup& b) {
      return a.priority != b.priority ? a.priority < b.priority : a.count > b.count;
    });
    return out;
  }

 private:
  std::map<std::tuple<std::string, std::string, int, std::string>, LogGroup> groups_;
};

// One journalctl read; "" when read, else why not.
std::string read_journal(Host* h, const LogRead& read, LogReview& r, Grouper& groups) {
  CommandResult c = h->run(read.argv, kReadTimeout);
  if (!c.ok()) {
    std::string err(text::trim(c.err.empty() ? c.out : c.err));
    return fmt::format("exit {}: {}", c.exit_code, err.substr(0, err.find('\n')));
  }
  auto facts = parse_journal_json(c.out, describe_argv(read.argv));
  if (!facts) return facts.error().message;
  r.read.push_back(read.host + " " + read.source);
  if (facts->entries.size() >= static_cast<size_t>(kMaxEntries))
    r.unread.push_back(fmt::format("{}: {} entries or more; only the latest {} were read", read.host,
                                   kMaxEntries, kMaxEntries));
  for (const auto& e : facts->entries) groups.add(read.host, read.source, e.priority, e.at, e.message);
  return "";
}

// A machine with no journal still has the kernel's ring buffer: `dmesg --raw`, its times made
// wall-clock ones with /proc/stat's btime. "" when read, else why not.
std::string read_dmesg(Host* h, const LogRead& read, LogReview& r, Grouper& groups) {
  auto stat = h->read_file("/proc/stat");
  std::optional<double> boot = stat ? boot_time(*stat) : std::nullopt;
  if (!boot) return "/proc/stat's btime could not be read, so dmesg's times cannot be placed";
  CommandResult c = h->run({"dmesg", "--raw"}, kReadTimeout);
  if (!c.ok()) return fmt::format("dmesg --raw: exit {}", c.exit_code);
  auto facts = parse_dmesg_raw(c.out);
  if (!facts) return facts.error().message;
  r.read.push_back(read.host + " kernel (dmesg: no journal)");
  // The ring buffer holds this boot at most, and may have rotated: what it no longer holds of
  // the window is said (a journal would have kept it).
  if (!facts->records.empty() && *boot + facts->records.front().since_boot > r.since) {
    double first = facts->records.front().since_boot;
    r.notes.push_back(first < 60
                          ? fmt::format("{}: the kernel's messages are this boot's only (it booted {:.0f} s "
                                        "after the review's start)",
                                        read.host, *boot - r.since)
                          : fmt::format("{}: the kernel's ring buffer has rotated: it begins {:.0f} s after "
                                        "boot, and older messages are gone from it",
                                        read.host, first));
  }
  for (const auto& rec : facts->records) {
    double at = *boot + rec.since_boot;
    if (at >= r.since && at <= r.until) groups.add(read.host, "kernel", rec.priority, at, rec.message);
  }
  return "";
}

}  // namespace

LogReview review_logs(const Topology& t, const HostLookup& hosts, double since, double until) {
  LogReview r;
  r.since = since;
  r.until = until;
  Grouper groups;
  std::map<std::string, std::string> missing;  // host → why it has no journal to read
  for (const auto& read : log_reads(t, since, until)) {
    std::string what = fmt::format("{}: {}", read.host, describe_argv(read.argv));
    Host* h = hosts(read.host);
    if (!h) {
      r.unread.push_back(what + ": the host cannot be reached");
      continue;
    }
    if (!missing.count(read.host)) missing[read.host] = journal_missing(h);
    std::string why;
    if (missing[read.host].empty())
      why = read_journal(h, read, r, groups);
    else if (read.source == "kernel")
      why = read_dmesg(h, read, r, groups).empty() ? "" : missing[read.host];
    else
      why = missing[read.host];
    if (!why.empty()) r.unread.push_back(what + ": " + why);
  }
  r.groups = groups.sorted();
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
          {"groups", groups}, {"notes", r.notes}, {"read", r.read},       {"unread", r.unread}};
}

std::string log_review_text(const LogReview& r) {
  std::string out = fmt::format("{} error(s) and {} warning(s) in {} group(s), from {} journal read(s){}\n",
                                r.errors(), r.warnings(), r.groups.size(), r.read.size(),
                                r.unread.empty() ? "" : fmt::format("; {} NOT read", r.unread.size()));
  for (const auto& g : r.groups)
    out += fmt::format("  {:<7} {:>5}x {:<10} {:<16} {}\n", priority_name(g.priority), g.count, g.host,
                       g.source, g.example);
  for (const auto& u : r.unread) out += "  NOT READ " + u + "\n";
  for (const auto& n : r.notes) out += "  note: " + n + "\n";
  return out;
}

}  // namespace stackdr
