#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "sim/renderers.h"
#include "util/json_text.h"
#include "util/text.h"

namespace stackdr::sim {

namespace {

std::string ls_time(int64_t t) {
  std::string c = ctime_string(t);  // "Wed Nov 25 06:54:26 2026" → "Nov 25 06:54"
  return c.substr(4, 12);
}

// Bytes as zpool prints them: 1.50T, 512M, 58.5K.
std::string zfs_bytes(int64_t b) {
  const char* units = "BKMGTPE";
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 6) {
    v /= 1024;
    ++u;
  }
  if (u == 0) return fmt::format("{}B", b);
  return v < 10    ? fmt::format("{:.2f}{}", v, units[u])
         : v < 100 ? fmt::format("{:.1f}{}", v, units[u])
                   : fmt::format("{:.0f}{}", v, units[u]);
}

// The OpenZFS 2.x scan lines while a scrub or resilver runs.
std::string scan_progress(const PoolScan& sc) {
  double pct =
      sc.total_bytes ? 100.0 * static_cast<double>(sc.done_bytes) / static_cast<double>(sc.total_bytes) : 0.0;
  int64_t left = sc.speed_bytes ? (sc.total_bytes - sc.done_bytes) / sc.speed_bytes : 0;
  std::string rate = zfs_bytes(sc.speed_bytes) + "/s";
  return fmt::format(
      "{} in progress since {}\n\t{} scanned at {}, {} issued at {}, {} total\n\t{} {}, {:.2f}% done, "
      "{:02}:{:02}:{:02} to go",
      sc.kind, ctime_string(sc.started), zfs_bytes(sc.done_bytes), rate, zfs_bytes(sc.done_bytes), rate,
      zfs_bytes(sc.total_bytes), zfs_bytes(sc.kind == "resilver" ? sc.done_bytes : 0),
      sc.kind == "resilver" ? "resilvered" : "repaired", pct, left / 3600, left / 60 % 60, left % 60);
}

}  // namespace

Rendered render_zpool_status(const SimState& s, std::string_view pool) {
  const Pool& p = s.pool;
  if (!pool.empty() && pool != p.name) return {"", fmt::format("cannot open '{}': no such pool\n", pool), 1};
  std::string state = p.state();
  std::string out = fmt::format("  pool: {}\n state: {}\n", p.name, state);
  bool faulted = false, removed = false;
  for (const auto& d : p.disks) {
    faulted = faulted || d.state == "FAULTED";
    removed = removed || d.state == "REMOVED";
  }
  if (state != "ONLINE" && faulted) {
    out +=
        "status: One or more devices are faulted in response to persistent errors.\n"
        "\tSufficient replicas exist for the pool to continue functioning in a\n"
        "\tdegraded state.\n"
        "action: Replace the faulted device, or use 'zpool clear' to mark the device\n"
        "\trepaired.\n";
  } else if (state != "ONLINE" && removed) {
    // As OpenZFS 2.1 prints it, its missing quote before "zpool online" included.
    out +=
        "status: One or more devices has been removed by the administrator.\n"
        "\tSufficient replicas exist for the pool to continue functioning in a\n"
        "\tdegraded state.\n"
        "action: Online the device using zpool online' or replace the device with\n"
        "\t'zpool replace'.\n";
  } else if (state != "ONLINE") {
    out +=
        "status: One or more devices could not be used because the label is missing or\n"
        "\tinvalid.  Sufficient replicas exist for the pool to continue\n"
        "\tfunctioning in a degraded state.\n"
        "action: Replace the device using 'zpool replace'.\n"
        "   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-4J\n";
  }
  // A pool never scrubbed nor resilvered has no scan line at all.
  if (p.scanning || !p.scan.empty())
    out += fmt::format("  scan: {}\n", p.scanning ? scan_progress(*p.scanning) : p.scan);
  out += "config:\n\n";
  std::string replacing = p.scanning ? p.scanning->replacing : "";
  size_t width = std::max<size_t>(p.name.size(), 2 + p.vdev.size());
  for (const auto& d : p.disks) width = std::max(width, (replacing.empty() ? 4 : 6) + d.name.size());
  auto row = [&](const std::string& indent_name, const std::string& st, int64_t r, int64_t w, int64_t c,
                 const std::string& note) {
    std::string l = fmt::format("\t{:<{}}  {:<8} {:>5} {:>5} {:>5}", indent_name, width, st, r, w, c);
    if (!note.empty()) l += "  " + note;
    return l + "\n";
  };
  out += fmt::format("\t{:<{}}  STATE     READ WRITE CKSUM\n", "NAME", width);
  out += row(p.name, state, 0, 0, 0, "");
  out += row("  " + p.vdev, state, 0, 0, 0, "");
  for (size_t i = 0; i < p.disks.size(); ++i) {
    const PoolDisk& d = p.disks[i];
    if (!replacing.empty() && d.name == replacing) {
      // `zpool replace` puts the old and the new disk under a temporary replacing-N vdev.
      out += row(fmt::format("    replacing-{}", i), "DEGRADED", 0, 0, 0, "");
      out += row("      " + d.name, d.state, d.read_errors, d.write_errors, d.cksum_errors, d.note);
      if (i + 1 < p.disks.size()) {
        const PoolDisk& n = p.disks[++i];
        out += row("      " + n.name, n.state, 0, 0, 0, "(resilvering)");
      }
      continue;
    }
    out += row("    " + d.name, d.state, d.read_errors, d.write_errors, d.cksum_errors, d.note);
  }
  out += "\nerrors: No known data errors\n";
  return {out, "", 0};
}

Rendered render_zfs_get(const SimState& s, const std::vector<std::string>& props,
                        const std::vector<std::string>& datasets) {
  Rendered r;
  for (const auto& ds : datasets) {
    const Zvol* z = s.zvol(ds);
    if (!z) {
      r.err += fmt::format("cannot open '{}': dataset does not exist\n", ds);
      r.rc = 1;
      continue;
    }
    for (const auto& p : props) {
      if (p == "volmode")
        r.out += fmt::format("{}\tvolmode\t{}\t{}\n", ds, z->volmode,
                             z->volmode == "default" ? "default" : "local");
      else if (p == "volsize")
        r.out += fmt::format("{}\tvolsize\t{}\tlocal\n", ds, z->volsize);
      else if (p == "available")
        r.out += fmt::format("{}\tavailable\t{}\t-\n", ds, s.pool.available_bytes);
      else if (p == "referenced")  // a zvol written end to end: it references its whole size
        r.out += fmt::format("{}\treferenced\t{}\t-\n", ds, z->volsize);
      else if (auto u = z->user_props.find(p); u != z->user_props.end())
        r.out += fmt::format("{}\t{}\t{}\tlocal\n", ds, p, u->second);
      else
        r.out += fmt::format("{}\t{}\t-\t-\n", ds, p);
    }
  }
  return r;
}

Rendered render_zvol_links(const SimState& s, std::string_view dir) {
  std::string prefix = std::string(dir);
  if (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  std::string out = "total 0\n";
  int minor = 0;
  bool any = false;
  for (const auto& z : s.zvols) {
    int this_minor = minor;
    minor += 16;
    if ("/dev/zvol/" + z.name.substr(0, z.name.rfind('/')) != prefix || !z.device_present()) continue;
    std::string target = fmt::format("../../zd{}", this_minor);
    out += fmt::format("lrwxrwxrwx 1 root root {} {} {} -> {}\n", target.size(), ls_time(s.now),
                       z.name.substr(z.name.rfind('/') + 1), target);
    any = true;
  }
  if (!any && s.zvols.empty())
    return {"", fmt::format("ls: cannot access '{}': No such file or directory\n", dir), 2};
  return {out, "", 0};
}

Rendered render_smartctl(const SimState& s, std::string_view device) {
  std::string name(device.substr(device.rfind('/') + 1));
  for (const auto& d : s.pool.disks) {
    if (d.name != name) continue;
    bool failing = d.state == "FAULTED";
    nlohmann::json j;
    j["json_format_version"] = {1, 0};
    j["smartctl"] = {{"version", {7, 3}},
                     {"argv", {"smartctl", "-j", "-H", "-A", std::string(device)}},
                     {"exit_status", failing ? 8 : 0}};
    j["device"] = {{"name", std::string(device)},
                   {"info_name", std::string(device) + " [SAT]"},
                   {"type", "sat"},
                   {"protocol", "ATA"}};
    // by-id names read "ata-MODEL_SERIAL"; anything else is used whole.
    std::string id = text::starts_with(name, "ata-") ? name.substr(4) : name;
    size_t us = id.rfind('_');
    j["model_name"] = us == std::string::npos ? id : id.substr(0, us);
    j["serial_number"] = us == std::string::npos ? d.serial : id.substr(us + 1);
    j["smart_status"] = {{"passed", !failing}};
    j["ata_smart_attributes"] = {
        {"revision", 10},
        {"table",
         {{{"id", 5},
           {"name", "Reallocated_Sector_Ct"},
           {"raw", {{"value", failing ? 2048 : 0}, {"string", failing ? "2048" : "0"}}}},
          {{"id", 197},
           {"name", "Current_Pending_Sector"},
           {"raw", {{"value", failing ? 64 : 0}, {"string", failing ? "64" : "0"}}}}}}};
    j["temperature"] = {{"current", 34}};
    return {json_text(j, 2) + "\n", "", failing ? 8 : 0};
  }
  return {"", "", 2};
}

Rendered render_zpool_get(const SimState& s, std::string_view props, std::string_view pool) {
  if (pool != s.pool.name) return {"", fmt::format("cannot open '{}': no such pool\n", pool), 1};
  std::string out;
  for (auto p : text::split(props, ',')) {
    if (p == "failmode")
      out += "failmode\t" + s.pool.failmode + "\n";
    else if (p == "autoreplace")
      out += "autoreplace\t" + s.pool.autoreplace + "\n";
    else
      return {"", fmt::format("bad property list: invalid property '{}'\n", p), 2};
  }
  return {out, "", 0};
}

Rendered render_zpool_events(const SimState& s, bool scripted, std::string_view pool) {
  if (!pool.empty() && pool != s.pool.name)
    return {"", fmt::format("cannot open '{}': no such pool\n", pool), 1};
  // zpool_main.c's short form: ctime's "Dec  7" and year, the time with nanoseconds, then the
  // class after a space (a tab with -H, which also drops the header).
  std::string out = scripted ? "" : fmt::format("{:<31}{}\n", "TIME", "CLASS");
  for (const auto& e : s.zfs_events)
    out += fmt::format("{}.{:09}{}{}\n", text::format_utc(e.sec, "%b %e %Y %H:%M:%S"), e.nsec,
                       scripted ? '\t' : ' ', e.cls);
  return {out, "", 0};
}

}  // namespace stackdr::sim
