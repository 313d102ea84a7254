#include <fmt/format.h>

#include <algorithm>

#include "sim/renderers.h"
#include "util/text.h"

namespace stackdr::sim {

namespace {

// sd major/minor as the kernel numbers them (sd.c): 16 minors per disk, the disk index split
// over the sd majors 8, 65-71, 128-135 and the extended minor range.
std::pair<int, int> sd_numbers(const std::string& dev) {
  if (dev.size() < 3 || !text::starts_with(dev, "sd")) return {0, 0};
  size_t index = 0;
  for (size_t k = 2; k < dev.size(); ++k) {
    if (dev[k] < 'a' || dev[k] > 'z') return {0, 0};
    index = index * 26 + static_cast<size_t>(dev[k] - 'a' + 1);
  }
  --index;
  size_t group = (index & 0xf0) >> 4;
  int major = group == 0 ? 8 : group < 8 ? static_cast<int>(64 + group) : static_cast<int>(128 + group - 8);
  int minor = static_cast<int>(((index & 0xf) << 4) | ((index & 0xfff00) << 8));
  return {major, minor};
}

std::string array_number(const std::string& name) {
  return text::starts_with(name, "md") ? name.substr(2) : name;
}

// A member holds its slot and is working (not failed, not rebuilding).
bool active_in_slot(const Member& m) {
  return m.in_array && !m.faulty && m.in_sync;
}

int count_active(const Array& a) {
  return static_cast<int>(std::count_if(a.members.begin(), a.members.end(), active_in_slot));
}

const Member* in_slot(const Array& a, int slot) {
  for (const auto& m : a.members)
    if (m.in_array && !m.faulty && m.role == slot) return &m;
  return nullptr;
}

std::string health(const Array& a) {
  std::string h;
  for (int i = 0; i < a.raid_disks; ++i) {
    const Member* m = in_slot(a, i);
    h += (m && m->in_sync) ? 'U' : '_';
  }
  return h;
}

// By device (/dev/md1, /dev/md/data) or kernel name (md1): md's name is the device's basename.
const Array* array_by_device(const SimState& s, std::string_view device) {
  std::string_view kernel =
      device.substr(device.rfind('/') == std::string_view::npos ? 0 : device.rfind('/') + 1);
  const Array* a = s.array_by_kernel_name(kernel);
  return a && (a->device == device || a->kernel_name() == device) ? a : nullptr;
}

std::string resync_line(const Resync& r) {
  int64_t per_milli = r.total_kib ? r.done_kib * 1000 / r.total_kib : 0;
  int x = static_cast<int>(per_milli / 50);
  std::string bar = "[" + std::string(x, '=') + ">" + std::string(std::max(0, 20 - x), '.') + "]";
  int64_t left_kib = r.total_kib - r.done_kib;
  int64_t finish_tenths = r.speed_kib ? (left_kib * 10) / (r.speed_kib * 60) : 0;
  return fmt::format("      {}  {} ={:3}.{}% ({}/{}) finish={}.{}min speed={}K/sec\n", bar, r.action,
                     per_milli / 10, per_milli % 10, r.done_kib, r.total_kib, finish_tenths / 10,
                     finish_tenths % 10, r.speed_kib);
}

}  // namespace

std::string mdadm_human_size(int64_t bytes) {
  if (bytes < 5000 * 1024) return "";
  if (bytes < (2LL << 30)) {
    int64_t mib = (bytes * 200 / (1LL << 20) + 1) / 2, mb = (bytes / (1000000 / 200) + 1) / 2;
    return fmt::format("({}.{:02} MiB {}.{:02} MB)", mib / 100, mib % 100, mb / 100, mb % 100);
  }
  if (bytes < (2LL << 40)) {
    int64_t gib = (bytes * 200 / (1LL << 30) + 1) / 2, gb = (bytes / (1000000000 / 200) + 1) / 2;
    return fmt::format("({}.{:02} GiB {}.{:02} GB)", gib / 100, gib % 100, gb / 100, gb % 100);
  }
  int64_t tib = (bytes / (1LL << 20) * 200 / (1LL << 20) + 1) / 2,
          tb = (bytes / (1000000000000LL / 200) + 1) / 2;
  return fmt::format("({}.{:02} TiB {}.{:02} TB)", tib / 100, tib % 100, tb / 100, tb % 100);
}

std::string render_mdstat(const SimState& s) {
  std::string out =
      "Personalities : [linear] [multipath] [raid0] [raid1] [raid6] [raid5] [raid4] [raid10] \n";
  for (const auto& a : s.arrays) {
    if (a.state == "stopped") continue;
    bool inactive = a.state == "inactive";
    out += fmt::format("{} : {}", a.kernel_name(), inactive ? "inactive" : "active");
    if (!inactive && a.auto_read_only) out += " (auto-read-only)";
    if (!inactive) out += " " + a.level;
    for (auto it = a.members.rbegin(); it != a.members.rend(); ++it) {
      if (!it->in_array) continue;
      out += fmt::format(" {}[{}]", s.rdev_name(*it).empty() ? it->lun : s.rdev_name(*it), it->desc_nr);
      if (it->faulty)
        out += "(F)";
      else if (inactive)
        out += "(S)";
    }
    out += "\n";
    if (inactive) {
      out += fmt::format("      {} blocks super 1.2\n",
                         a.size_kib * 2 *
                             static_cast<int64_t>(std::count_if(a.members.begin(), a.members.end(),
                                                                [](const Member& m) { return m.in_array; })) /
                             2);
    } else {
      out += fmt::format("      {} blocks super 1.2 [{}/{}] [{}]\n", a.size_kib, a.raid_disks,
                         count_active(a), health(a));
      if (a.resync) out += resync_line(*a.resync);
      if (a.bitmap)
        out += fmt::format("      bitmap: {}/1 pages [{}KB], {}KB chunk\n", a.bitmap_pages_used,
                           a.bitmap_pages_used * 4, a.bitmap_chunk_kib);
    }
    out += "\n";
  }
  out += "unused devices: <none>\n";
  return out;
}

Rendered render_mdadm_detail(const SimState& s, std::string_view device) {
  const Array* a = array_by_device(s, device);
  if (!a || a->state == "stopped")
    return {"", fmt::format("mdadm: cannot open {}: No such file or directory\n", device), 1};
  auto kv = [](std::string_view k, const std::string& v) { return fmt::format("{:>18} : {}\n", k, v); };
  std::string name =
      fmt::format("{}:{}  (local to host {})", a->homehost, array_number(a->name), a->homehost);
  std::string out = fmt::format("{}:\n", a->device);
  int bound = static_cast<int>(
      std::count_if(a->members.begin(), a->members.end(), [](const Member& m) { return m.in_array; }));
  if (a->state == "inactive") {
    out += kv("Version", "1.2") + kv("Raid Level", a->level) + kv("Total Devices", std::to_string(bound)) +
           kv("Persistence", "Superblock is persistent") + "\n" + kv("State", "inactive") +
           kv("Working Devices", std::to_string(bound)) + "\n" + kv("Name", name) + kv("UUID", a->uuid) +
           kv("Events", std::to_string(a->events)) + "\n    Number   Major   Minor   RaidDevice\n\n";
    for (const auto& m : a->members) {
      if (!m.in_array) continue;
      auto [maj, min] = sd_numbers(s.rdev_name(m));
      out += fmt::format("   {:>5}   {:>5}    {:>5}    {:>5}        /dev/{}\n", "-", maj, min, "-",
                         s.rdev_name(m));
    }
    return {out, "", 0};
  }
  int active = count_active(*a);
  int failed = static_cast<int>(std::count_if(a->members.begin(), a->members.end(),
                                              [](const Member& m) { return m.in_array && m.faulty; }));
  int spare = bound - active - failed;
  std::string size = fmt::format("{} {}", a->size_kib, mdadm_human_size(a->size_kib * 1024));
  std::vector<std::string> state{"clean"};
  if (active < a->raid_disks) state.push_back("degraded");
  if (a->resync) state.push_back(a->resync->action == "recovery" ? "recovering" : a->resync->action + "ing");
  out += kv("Version", "1.2") + kv("Creation Time", ctime_string(a->creation_time)) +
         kv("Raid Level", a->level) + kv("Array Size", size) + kv("Used Dev Size", size) +
         kv("Raid Devices", std::to_string(a->raid_disks)) + kv("Total Devices", std::to_string(bound)) +
         kv("Persistence", "Superblock is persistent") + "\n" +
         (a->bitmap ? kv("Intent Bitmap", "Internal") + "\n" : "") +
         kv("Update Time", ctime_string(a->update_time)) + kv("State", text::join(state, ", ") + " ") +
         kv("Active Devices", std::to_string(active)) +
         kv("Working Devices", std::to_string(bound - failed)) +
         kv("Failed Devices", std::to_string(failed)) + kv("Spare Devices", std::to_string(spare)) + "\n" +
         kv("Consistency Policy", a->bitmap ? "bitmap" : "resync") + "\n";
  if (a->resync && a->resync->total_kib)
    out += kv(a->resync->action == "recovery" ? "Rebuild Status" : "Resync Status",
              fmt::format("{}% complete", a->resync->done_kib * 100 / a->resync->total_kib)) +
           "\n";
  out += kv("Name", name) + kv("UUID", a->uuid) + kv("Events", std::to_string(a->events)) + "\n";
  out += "    Number   Major   Minor   RaidDevice State\n";
  auto row = [&](const std::string& num, int maj, int min, const std::string& slot, const std::string& st,
                 const std::string& dev) {
    std::string r = fmt::format("   {:>5}   {:>5}    {:>5}    {:>5}      {}", num, maj, min, slot, st);
    if (!dev.empty()) r += "   " + dev;
    return r + "\n";
  };
  for (int slot = 0; slot < a->raid_disks; ++slot) {
    const Member* m = in_slot(*a, slot);
    if (!m) {
      out += row("-", 0, 0, std::to_string(slot), "removed", "");
      continue;
    }
    auto [maj, min] = sd_numbers(s.rdev_name(*m));
    out += row(std::to_string(m->desc_nr), maj, min, std::to_string(slot),
               m->in_sync ? "active sync" : "spare rebuilding", "/dev/" + s.rdev_name(*m));
  }
  bool blank = false;
  for (const auto& m : a->members) {
    if (!m.in_array || !m.faulty) continue;
    if (!blank) out += "\n";
    blank = true;
    std::string dev = s.rdev_name(m);
    auto [maj, min] = sd_numbers(dev);
    out += row(std::to_string(m.desc_nr), maj, min, "-", "faulty", dev.empty() ? "" : "/dev/" + dev);
  }
  return {out, "", 0};
}

Rendered render_mdadm_examine(const SimState& s, std::string_view device) {
  std::string dev(device);
  std::string kname = dev.substr(dev.rfind('/') + 1);
  if (auto [array, member] = s.member_on_disk(kname); member) {
    const Array& a = *array;
    const Member& m = *member;
    {
      if (!m.superblock_ok) return {"", fmt::format("mdadm: No md superblock detected on {}.\n", dev), 1};
      auto kv = [](std::string_view k, const std::string& v) { return fmt::format("{:>15} : {}\n", k, v); };
      int64_t data_sectors = a.size_kib * 2;
      std::string out = dev + ":\n";
      out +=
          kv("Magic", "a92b4efc") + kv("Version", "1.2") + kv("Feature Map", "0x1") +
          kv("Array UUID", a.uuid) +
          kv("Name", fmt::format("{}:{}  (local to host {})", a.homehost, array_number(a.name), a.homehost)) +
          kv("Creation Time", ctime_string(a.creation_time)) + kv("Raid Level", a.level) +
          kv("Raid Devices", std::to_string(a.raid_disks)) + "\n" +
          kv("Avail Dev Size",
             fmt::format("{} sectors {}", data_sectors, mdadm_human_size(data_sectors * 512))) +
          kv("Array Size", fmt::format("{} KiB {}", a.size_kib, mdadm_human_size(a.size_kib * 1024))) +
          kv("Data Offset", "2048 sectors") + kv("Super Offset", "8 sectors") +
          kv("Unused Space", "before=1968 sectors, after=0 sectors") +
          kv("State", m.events == a.events && a.state == "active" && !m.faulty ? "clean" : "active") +
          kv("Device UUID", m.device_uuid) + "\n" +
          (a.bitmap ? kv("Internal Bitmap", "8 sectors from superblock") : "") +
          kv("Update Time", ctime_string(m.update_time)) +
          kv("Bad Block Log", std::string("512 entries available at offset 16 sectors") +
                                  (m.bad_blocks.empty() ? "" : " - bad blocks present.")) +
          kv("Checksum", m.checksum + " - correct") + kv("Events", std::to_string(m.events)) + "\n\n";
      out += fmt::format("{:>14} : {}\n", "Device Role",
                         m.in_sync || m.faulty ? fmt::format("Active device {}", m.role) : "spare");
      out += fmt::format("{:>14} : {} ('A' == active, '.' == missing, 'R' == replacing)\n", "Array State",
                         m.array_state_seen);
      return {out, "", 0};
    }
  }
  bool exists =
      std::any_of(s.sessions.begin(), s.sessions.end(), [&](const Session& x) { return x.disk == kname; });
  if (!exists) return {"", fmt::format("mdadm: cannot open {}: No such file or directory\n", dev), 1};
  return {"", fmt::format("mdadm: No md superblock detected on {}.\n", dev), 1};
}

std::optional<std::string> render_md_sysfs(const SimState& s, std::string_view path) {
  auto parts = text::split(path, '/');  // "", sys, block, md1, md, attr | dev-X, [attr]
  if (parts.size() < 6 || parts[1] != "sys" || parts[2] != "block" || parts[4] != "md") return std::nullopt;
  const Array* a = array_by_device(s, parts[3]);
  if (!a || a->state == "stopped") return std::nullopt;
  std::string_view leaf = parts[5];
  if (leaf == "array_state") {
    if (a->state == "inactive") return "inactive\n";
    if (a->broken) return "broken\n";
    return a->auto_read_only ? "read-auto\n" : "clean\n";
  }
  if (leaf == "degraded") return std::to_string(a->raid_disks - count_active(*a)) + "\n";
  if (leaf == "sync_action") return a->resync ? a->resync->action + "\n" : "idle\n";
  if (leaf == "mismatch_cnt") return std::to_string(a->mismatch_cnt) + "\n";
  if (!text::starts_with(leaf, "dev-") || parts.size() < 7) return std::nullopt;
  std::string_view dev = leaf.substr(4);
  for (const auto& m : a->members) {
    if (!m.in_array || s.rdev_name(m) != dev) continue;
    if (parts[6] == "state") {
      std::vector<std::string> st;
      if (m.faulty)
        st.push_back("faulty");
      else if (m.in_sync)
        st.push_back("in_sync");
      else
        st.push_back("spare");
      if (m.write_error) st.push_back("write_error");
      return text::join(st, ",") + "\n";
    }
    if (parts[6] == "errors") return "0\n";
    if (parts[6] == "bad_blocks") {
      std::string out;
      for (const auto& b : m.bad_blocks) out += fmt::format("{} {}\n", b.sector, b.length);
      return out;
    }
  }
  return std::nullopt;
}

std::string render_mdadm_conf(const SimState& s) {
  // What Debian's mkconf writes, with the ARRAY lines `mdadm --detail --scan` prints.
  std::string out =
      "# mdadm.conf\n#\n# !NB! Run update-initramfs -u after updating this file.\n"
      "# !NB! This will ensure that initramfs has an uptodate copy.\n#\n"
      "# Please refer to mdadm.conf(5) for information about this file.\n#\n\n"
      "# by default (built-in), scan all partitions (/proc/partitions) and all\n"
      "# containers for MD superblocks. alternatively, specify devices to scan, using\n"
      "# wildcards if desired.\n#DEVICE partitions containers\n\n"
      "# automatically tag new arrays as belonging to the local system\nHOMEHOST <system>\n\n";
  if (!s.mailaddr.empty())
    out += "# instruct the monitoring daemon where to send mail alerts\nMAILADDR " + s.mailaddr + "\n\n";
  out += "# definitions of existing MD arrays\n";
  for (const auto& a : s.arrays)
    out += fmt::format("ARRAY {} metadata=1.2 name={}:{} UUID={}\n", a.device, a.homehost,
                       a.kernel_name().substr(a.kernel_name().find_first_of("0123456789") == std::string::npos
                                                  ? 0
                                                  : a.kernel_name().find_first_of("0123456789")),
                       a.uuid);
  return out;
}

}  // namespace stackdr::sim
