#include "probe/kernel_log.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "util/text.h"

namespace stackdr {

namespace {

struct Rule {
  const char* kind;
  std::regex re;
  int device = 0, array = 0, session = 0;  // capture group numbers (0 = none)
};

// A block device's name as the kernel prints it: sdb, sdaa (past sdz), sdb1, nvme0n1p2, dm-3,
// zd16 (a zvol), vdb, xvda, loop0, cciss!c0d0. It ends at the comma, space or full stop after it.
#define DEV R"(([\w!-]+))"

const std::vector<Rule>& rules() {
  static const std::vector<Rule> r = {
      {"md-disk-failure", std::regex(R"(md/raid\d*:(md\w+): Disk failure on )" DEV), 2, 1, 0},
      {"md-kick-non-fresh", std::regex(R"(md: kicking non-fresh )" DEV " from array"), 1, 0, 0},
      {"md-recovery-start", std::regex(R"(md: (recovery|resync|data-check) of RAID array (md\w+))"), 0, 2, 0},
      {"md-recovery-done", std::regex(R"(md: (md\w+): (recovery|resync|data-check) (done|interrupted))"), 0,
       1, 0},
      {"md-super-write-error", std::regex(R"(md: super_written gets error=(-?\d+))"), 0, 0, 0},
      {"iscsi-ping-timeout", std::regex(R"((connection\d+:\d+): ping timeout)"), 0, 0, 1},
      {"iscsi-conn-error", std::regex(R"((connection\d+:\d+): detected conn error \((\d+)\))"), 0, 0, 1},
      {"iscsi-recovery-timeout", std::regex(R"((session\d+): session recovery timed out)"), 0, 0, 1},
      {"io-error", std::regex(R"((?:I/O error|critical target error|critical medium error), dev )" DEV), 1, 0,
       0},
      {"io-error", std::regex("Buffer I/O error on dev " DEV), 1, 0, 0},
      {"scsi-offline", std::regex(R"(\[?(sd\w+)?\]?.*rejecting I/O to offline device)"), 1, 0, 0},
      {"fs-journal-abort", std::regex("Aborting journal on device " DEV), 1, 0, 0},
      {"fs-remount-ro", std::regex(R"(EXT4-fs \()" DEV R"(\).*[Rr]emounting filesystem read-only)"), 1, 0, 0},
      {"fs-error", std::regex(R"(EXT4-fs error \(device )" DEV R"(\))"), 1, 0, 0},
      {"fs-mounted", std::regex(R"(EXT4-fs \()" DEV R"(\): mounted filesystem)"), 1, 0, 0},
  };
  return r;
}
#undef DEV

// Splits "[   73.715597] msg", "[Wed Nov 25 06:54:56 2026] msg" or "6,123,456,-;msg".
bool split_stamp(std::string_view line, std::string& time, std::string_view& msg) {
  if (!line.empty() && line.front() == '[') {
    size_t close = line.find(']');
    if (close == std::string_view::npos) return false;
    time = std::string(text::trim(line.substr(1, close - 1)));
    msg = text::trim(line.substr(close + 1));
    return true;
  }
  size_t semi = line.find(';');
  if (semi != std::string_view::npos && semi < 40) {
    auto head = text::split(line.substr(0, semi), ',');
    if (head.size() >= 3 && text::to_int(head[0]) && text::to_int(head[2])) {
      time = fmt::format("{:.6f}", static_cast<double>(*text::to_int(head[2])) / 1e6);
      msg = line.substr(semi + 1);
      return true;
    }
  }
  return false;
}

// A kernel record's text is at most about 1 KiB (printk's line limit); a longer line is not one
// message we could classify. Only this much is matched: libstdc++'s std::regex recurses once
// per character, and a 20 KB line overflowed the stack. The event keeps its whole text.
constexpr size_t kMaxMatched = 1024;

}  // namespace

Result<KernelLogFacts> parse_kernel_log(std::string_view input, std::string_view source) {
  if (input.find('\0') != std::string_view::npos)
    return parse_error(source, 0, "binary data, not a kernel log");
  KernelLogFacts f;
  auto lines = text::lines(input);
  int stamped = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    int ln = static_cast<int>(i + 1);
    std::string_view line = lines[i];
    if (text::trim(line).empty()) continue;
    KernelEvent e;
    e.line = ln;
    std::string_view msg;
    if (split_stamp(line, e.time, msg)) {
      ++stamped;
    } else if (!line.empty() && (line.front() == ' ' || line.front() == '\t') && !f.events.empty()) {
      // Continuation of a multi-line message (md prints "Operation continuing" this way).
      f.events.back().text += "\n" + std::string(text::trim(line));
      continue;
    } else {
      msg = text::trim(line);  // journalctl -k or plain text: no timestamp to strip
    }
    e.text = std::string(msg);
    e.kind = "other";
    const std::string matched = e.text.substr(0, std::min(e.text.size(), kMaxMatched));
    for (const auto& r : rules()) {
      std::smatch m;
      if (!std::regex_search(matched, m, r.re)) continue;
      e.kind = r.kind;
      if (r.device && m[r.device].matched) e.device = m[r.device];
      if (r.array && m[r.array].matched) e.array = m[r.array];
      if (r.session && m[r.session].matched) e.session = m[r.session];
      break;
    }
    // "sd 2:0:0:0: [sdb] ..." names the disk in brackets.
    if (e.device.empty()) {
      static const std::regex sd(R"(^sd \d+:\d+:\d+:\d+: \[(\w+)\])");
      std::smatch m;
      if (std::regex_search(matched, m, sd)) e.device = m[1];
    }
    f.events.push_back(std::move(e));
  }
  if (!f.events.empty() && stamped == 0)
    f.warnings.push_back({0, "", "no timestamped line: is this kernel log output?"});
  return f;
}

void to_json(nlohmann::json& j, const KernelLogFacts& f) {
  j = nlohmann::json::object();
  j["events"] = nlohmann::json::array();
  for (const auto& e : f.events)
    j["events"].push_back({{"line", e.line},
                           {"time", e.time},
                           {"kind", e.kind},
                           {"device", e.device},
                           {"array", e.array},
                           {"session", e.session},
                           {"text", e.text}});
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
