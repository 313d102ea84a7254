#include "model/md_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "model/read_index.h"
#include "util/text.h"

namespace stackdr {

namespace {

MdSuperblock superblock_of(const MdadmExamineFacts& e) {
  MdSuperblock s;
  s.array_uuid = e.array_uuid;
  s.events = e.events;
  s.update_time_text = e.update_time;
  // mdadm prints times in the machine's time zone; comparing two members of one array read
  // on one host only needs the order, so they are read as UTC.
  s.update_time = text::parse_ctime_utc(e.update_time);
  s.role = e.role;
  s.device_role = e.device_role;
  s.bad_blocks = e.bad_blocks_present;
  return s;
}

MdSlot slot_of(const MdstatMember& m) {
  return {m.device, m.role, m.faulty, m.spare, m.write_mostly, m.replacement, m.journal};
}

// Why a source on a host was not read: its failed record, else "not read".
std::string unread_reason(const ReadIndex& reads, const std::string& host, const std::string& source) {
  if (const SourceRecord* r = reads.failed(host, source)) return source + ": " + r->error;
  return source + ": not read";
}

void fill_member(const ReadIndex& reads, const KvmFacts* k, const MdArrayState& a, MdMemberState& m,
                 const IscsiDiskIndex& disks, const LunConfig* l) {
  const std::string& host = a.config->host;
  if (!k || !k->by_path || !l) {
    m.disk = Seen::kUnknown;
    m.unread = unread_reason(reads, host, "ls -l /dev/disk/by-path");
  } else if (const std::string* d = disks.device(l->target, l->lun); !d) {
    m.disk = Seen::kNo;
  } else {
    m.disk = Seen::kYes;
    m.device = *d;
  }
  if (m.disk == Seen::kYes) {
    auto ex = k->examine.find(m.device);
    auto src = [&] { return "mdadm --examine /dev/" + m.device; };  // named only when not read
    if (ex == k->examine.end()) {
      auto deferred = k->examine_deferred.find(m.device);
      m.unread = deferred == k->examine_deferred.end() ? unread_reason(reads, host, src())
                                                       : src() + ": " + deferred->second;
    } else if (ex->second.facts) {
      m.superblock = Seen::kYes;
      m.sb = superblock_of(*ex->second.facts);
    } else if (ex->second.no_superblock) {
      m.superblock = Seen::kNo;
      m.no_superblock_text = std::string(text::trim(ex->second.stderr_text));
    } else {
      m.unread = src() + ": " + std::string(text::trim(ex->second.stderr_text));
    }
  }
  if (a.assembled == Seen::kNo) m.in_array = Seen::kNo;
  if (a.assembled == Seen::kYes && m.disk == Seen::kYes) {
    auto s =
        std::find_if(a.slots.begin(), a.slots.end(), [&](const MdSlot& x) { return x.device == m.device; });
    m.in_array = s == a.slots.end() ? Seen::kNo : Seen::kYes;
    if (s != a.slots.end()) m.slot = *s;
  }
  if (!k || m.device.empty()) return;
  if (auto sys = k->md_sysfs.find(a.config->name); sys != k->md_sysfs.end())
    for (const auto& sm : sys->second.members)
      if (sm.device == m.device) {
        m.sysfs_state = sm.state;
        m.bad_block_ranges = sm.bad_blocks.size();
        if (!sm.bad_blocks.empty()) m.first_bad_sector = sm.bad_blocks[0].sector;
      }
  if (auto det = k->detail.find(a.config->name); det != k->detail.end())
    for (const auto& row : det->second.members)
      if (text::starts_with(row.device, "/dev/") && std::string_view(row.device).substr(5) == m.device &&
          std::find(row.state.begin(), row.state.end(), "rebuilding") != row.state.end())
        m.rebuilding = true;
}

// "1/4 pages [4KB], 65536KB chunk" → 1 and 4; anything else leaves them unset.
void bitmap_pages(const std::string& line, MdArrayState& a) {
  size_t slash = line.find('/'), pages = line.find(" pages");
  if (slash == std::string::npos || pages == std::string::npos || slash > pages) return;
  auto used = text::to_int(text::trim(line.substr(0, slash)));
  auto total = text::to_int(line.substr(slash + 1, pages - slash - 1));
  if (used && total && *used >= 0 && *total > 0) {
    a.bitmap_pages_used = used;
    a.bitmap_pages = total;
  }
}

}  // namespace

const MdMemberState* MdArrayState::member(const std::string& lun) const {
  for (const auto& m : members)
    if (m.lun == lun) return &m;
  return nullptr;
}

bool MdArrayState::any_failed_slot() const {
  return std::any_of(slots.begin(), slots.end(), [](const MdSlot& s) { return s.faulty; });
}

std::map<std::string, MdArrayState> md_states(const Topology& t, const Observation& o) {
  std::map<std::string, MdArrayState> out;
  ReadIndex reads(o);
  std::map<std::string, IscsiDiskIndex> disks;  // by host
  for (const auto& [host, k] : o.kvm)
    if (k.by_path) disks.emplace(host, IscsiDiskIndex(*k.by_path));
  // /proc/mdstat's arrays by kernel name, per host: a storage host may run thousands.
  std::map<std::string, std::unordered_map<std::string, const MdstatArray*>> mdstat;
  for (const auto& [host, k] : o.kvm)
    if (k.mdstat)
      for (const auto& x : k.mdstat->arrays) mdstat[host][x.name] = &x;
  for (const auto& cfg : t.arrays) {
    MdArrayState a;
    a.config = &cfg;
    a.kernel_name = cfg.kernel_name();
    auto kit = o.kvm.find(cfg.host);
    const KvmFacts* k = kit == o.kvm.end() ? nullptr : &kit->second;
    if (k && k->mdstat) {
      const auto& by_name = mdstat[cfg.host];
      auto found = by_name.find(a.kernel_name);
      const MdstatArray* ms = found == by_name.end() ? nullptr : found->second;
      a.assembled = ms ? Seen::kYes : Seen::kNo;
      if (ms) {
        a.md_state = ms->state;
        a.active = ms->state != "inactive";
        a.level = ms->level;
        a.raid_disks = ms->raid_disks;
        a.active_disks = ms->active_disks;
        a.health = ms->health;
        if (ms->sync)
          a.sync = MdSync{ms->sync->action, ms->sync->percent, ms->sync->finish_minutes, ms->sync->speed_kib};
        if (ms->bitmap) bitmap_pages(*ms->bitmap, a);
        for (const auto& x : ms->members) a.slots.push_back(slot_of(x));
      }
    }
    if (k)
      if (auto sys = k->md_sysfs.find(cfg.name); sys != k->md_sysfs.end() && !sys->second.array_state.empty())
        a.broken = sys->second.array_state == "broken" ? Seen::kYes : Seen::kNo;
    if (a.assembled == Seen::kNo) a.broken = Seen::kNo;
    if (k)
      if (auto det = k->detail.find(cfg.name); det != k->detail.end()) {
        a.detail_read = true;
        a.detail_events = det->second.events;
        a.bitmap = det->second.bitmap.empty() ? Seen::kNo : Seen::kYes;
        a.uuid = det->second.uuid;
      }
    if (cfg.uuid) a.uuid = *cfg.uuid;
    const auto& host_disks = disks[cfg.host];
    for (const auto& lun : cfg.members) {
      MdMemberState m;
      m.lun = lun;
      fill_member(reads, k, a, m, host_disks, t.lun(lun));
      a.members.push_back(std::move(m));
    }
    if (a.uuid.empty())
      for (const auto& m : a.members)
        if (m.sb && !m.sb->array_uuid.empty()) a.uuid = m.sb->array_uuid;
    out.emplace(cfg.name, std::move(a));
  }
  return out;
}

Freshest freshest_member(const MdArrayState& a) {
  Freshest best;
  std::optional<int64_t> best_time;
  bool any = false;
  for (const auto& m : a.members) {
    if (m.disk == Seen::kUnknown || (m.disk == Seen::kYes && m.superblock == Seen::kUnknown))
      return {"", 0, true,
              fmt::format("cannot tell which member of {} is freshest: {}'s superblock was not read ({})",
                          a.config->name, m.lun, m.unread.empty() ? "not read" : m.unread)};
    if (m.superblock != Seen::kYes || !m.sb || !m.sb->events) continue;
    if (!a.uuid.empty() && !m.sb->array_uuid.empty() && m.sb->array_uuid != a.uuid) continue;
    int64_t ev = *m.sb->events;
    bool newer = !any || ev > best.events ||
                 (ev == best.events && m.sb->update_time && (!best_time || *m.sb->update_time > *best_time));
    if (newer) {
      best.lun = m.lun;
      best.events = ev;
      best_time = m.sb->update_time;
      any = true;
    }
  }
  if (!any) best.why = fmt::format("no member of {} has a readable md superblock", a.config->name);
  return best;
}

const char* seen_name(Seen s) {
  switch (s) {
    case Seen::kNo:
      return "no";
    case Seen::kYes:
      return "yes";
    case Seen::kUnknown:
      return "unknown";
  }
  return "?";
}

}  // namespace stackdr
