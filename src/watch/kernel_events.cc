#include "watch/kernel_events.h"

#include "util/text.h"

namespace stackdr {

bool kernel_record_matters(int level, std::string_view m) {
  return level <= 4 || text::contains(m, "md/") || text::starts_with(m, "md") ||
         text::contains(m, "connection") || text::contains(m, "EXT4-fs") || text::contains(m, "iscsi") ||
         text::contains(m, "session recovery");
}

bool zfs_event_matters(std::string_view line) {
  for (auto f : text::fields(line)) {
    if (text::starts_with(f, "ereport.") || text::starts_with(f, "resource.")) return true;
    if (text::starts_with(f, "sysevent.fs.zfs.")) {
      std::string_view c = f.substr(16);
      return text::starts_with(c, "vdev_") || text::starts_with(c, "resilver_") ||
             text::starts_with(c, "scrub_") || text::starts_with(c, "pool_") || c == "statechange";
    }
  }
  return false;
}

bool virsh_event_matters(std::string_view line) {
  for (std::string_view kind : {"lifecycle", "io-error", "io-error-reason", "device-removed", "device-added",
                                "device-removal-failed"})
    if (text::starts_with(line, "event '" + std::string(kind) + "' for domain ")) return true;
  return false;
}

bool parse_kmsg_record(std::string_view r, int& level, std::string_view& message) {
  size_t comma = r.find(',');
  size_t semi = r.find(';');
  if (comma == std::string_view::npos || semi == std::string_view::npos || comma > semi) return false;
  auto pri = text::to_int(r.substr(0, comma));
  if (!pri || *pri < 0) return false;
  level = static_cast<int>(*pri & 7);
  message = r.substr(semi + 1);
  size_t nl = message.find('\n');
  if (nl != std::string_view::npos) message = message.substr(0, nl);
  return true;
}

FollowerLine parse_follower_line(std::string_view line) {
  FollowerLine out;
  if (line == "mdstat") {
    out.wakes = "mdstat";
  } else if (text::starts_with(line, "mdstat ")) {
    out.wakes = "mdstat";
    std::string_view esc = line.substr(7);
    for (size_t i = 0; i < esc.size(); ++i) {
      if (esc[i] != '\\' || i + 1 == esc.size()) {
        out.mdstat += esc[i];
        continue;
      }
      char next = esc[++i];
      out.mdstat += next == 'n' ? '\n' : next;  // \n a newline, \\ a backslash
    }
  } else if (text::starts_with(line, "kmsg ")) {
    std::string_view rest = line.substr(5);
    size_t sp = rest.find(' ');
    std::string_view lvl = rest.substr(0, sp);
    // A level that is not a number is read as debug: the rest of the rule still decides.
    int level = static_cast<int>(text::to_int(lvl).value_or(7));
    std::string_view msg = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    if (kernel_record_matters(level, msg)) out.wakes = "kmsg";
  } else if (text::starts_with(line, "zpool ")) {
    if (zfs_event_matters(line.substr(6))) out.wakes = "zpool";
  } else if (text::starts_with(line, "virsh ")) {
    if (virsh_event_matters(line.substr(6))) {
      out.wakes = "virsh";
      out.virsh = line.substr(6);
    }
  } else if (line == "zpool-ended" || line == "virsh-ended") {
    out.ended = std::string(line.substr(0, 5));
  }
  return out;
}

}  // namespace stackdr
