#include "sim/sim_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <unordered_map>
#include <unordered_set>

#include "util/text.h"

namespace stackdr::sim {

namespace {

// Stable pseudo-random hex from a name, so every run of the same topology prints the same
// UUIDs and serials (FNV-1a, then a 64-bit mix).
uint64_t stable_hash(std::string_view s, uint64_t salt = 0) {
  uint64_t h = text::fnv1a(s, salt);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

std::string hex8(std::string_view s, uint64_t salt) {
  return fmt::format("{:08x}", stable_hash(s, salt) & 0xffffffffULL);
}

std::string md_uuid(std::string_view s) {
  return fmt::format("{}:{}:{}:{}", hex8(s, 1), hex8(s, 2), hex8(s, 3), hex8(s, 4));
}

std::string lio_serial(std::string_view s) {
  std::string h = hex8(s, 11) + hex8(s, 12) + hex8(s, 13) + hex8(s, 14);
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4), h.substr(16, 4),
                     h.substr(20, 12));
}

constexpr int64_t kStart = 1795589666;  // Wed Nov 25 06:54:26 2026 UTC, the lab's creation time

}  // namespace

std::string ctime_string(int64_t t) {
  return text::format_utc(t, "%a %b %e %H:%M:%S %Y");
}

std::string Pool::state() const {
  int bad = 0;
  for (const auto& d : disks)
    if (d.state != "ONLINE") ++bad;
  if (bad == 0) return "ONLINE";
  return bad < static_cast<int>(disks.size()) ? "DEGRADED" : "UNAVAIL";
}

std::string Backstore::wwn() const {
  std::string hex;
  for (char c : serial)
    if (c != '-') hex += c;
  return "0x6001405" + hex.substr(0, 25);
}

const Backstore* Lio::backstore(std::string_view type_name) const {
  return backstore_at_.find(backstores, type_name, [](const Backstore& b) { return b.type + "/" + b.name; });
}
int Lio::free_hba_index() const {
  std::vector<bool> used(backstores.size() + 1);
  for (const auto& b : backstores)
    if (b.hba_index >= 0 && static_cast<size_t>(b.hba_index) < used.size())
      used[static_cast<size_t>(b.hba_index)] = true;
  return static_cast<int>(std::find(used.begin(), used.end(), false) - used.begin());
}
Target* Lio::target(std::string_view iqn) {
  return target_at_.find(targets, iqn, [](const Target& t) -> const std::string& { return t.iqn; });
}
const Target* Lio::target(std::string_view iqn) const {
  return const_cast<Lio*>(this)->target(iqn);
}

Member* Array::member(std::string_view lun) {
  for (auto& m : members)
    if (m.lun == lun) return &m;
  return nullptr;
}
const Member* Array::member(std::string_view lun) const {
  return const_cast<Array*>(this)->member(lun);
}

const Zvol* SimState::zvol(std::string_view n) const {
  return const_cast<SimState*>(this)->zvol(n);
}
Zvol* SimState::zvol(std::string_view n) {
  for (auto& z : zvols)
    if (z.name == n) return &z;
  return nullptr;
}
Session* SimState::session(std::string_view target) {
  return session_at_.find(sessions, target, [](const Session& s) -> const std::string& { return s.target; });
}
const Session* SimState::session(std::string_view target) const {
  return const_cast<SimState*>(this)->session(target);
}
Array* SimState::array(std::string_view n) {
  for (auto& a : arrays)
    if (a.name == n) return &a;
  return nullptr;
}
Vm* SimState::vm(std::string_view n) {
  for (auto& v : vms)
    if (v.name == n) return &v;
  return nullptr;
}

std::string SimState::disk_of(std::string_view lun_name) const {
  const LunConfig* l = topology.lun(lun_name);
  if (!l) return "";
  const Session* s = session(l->target);
  return s ? s->disk : "";
}

const Array* SimState::array_by_kernel_name(std::string_view kernel_name) const {
  return array_at_.find(arrays, kernel_name, [](const Array& a) { return a.kernel_name(); });
}

std::pair<const Array*, const Member*> SimState::member_on_disk(std::string_view kname) const {
  std::string key(kname);
  auto valid = [&](const std::pair<size_t, size_t>& at) {
    return at.first < arrays.size() && at.second < arrays[at.first].members.size() &&
           disk_of(arrays[at.first].members[at.second].lun) == kname;
  };
  auto it = member_at_.find(key);
  if (it == member_at_.end() || !valid(it->second)) {
    // Checked hit or full rescan, as IndexCache does; the first member on a disk wins.
    member_at_.clear();
    for (size_t a = 0; a < arrays.size(); ++a)
      for (size_t m = 0; m < arrays[a].members.size(); ++m)
        if (std::string d = disk_of(arrays[a].members[m].lun); !d.empty())
          member_at_.emplace(d, std::pair{a, m});
    it = member_at_.find(key);
    if (it == member_at_.end()) return {nullptr, nullptr};
  }
  return {&arrays[it->second.first], &arrays[it->second.first].members[it->second.second]};
}

std::string SimState::rdev_name(const Member& m) const {
  return m.in_array && !m.rdev.empty() ? m.rdev : disk_of(m.lun);
}

std::string SimState::io_path_fault(const LunConfig& l) const {
  std::string ps = pool.state();
  if (!l.zvol.empty()) {
    if (ps == "UNAVAIL" || ps == "FAULTED" || ps == "SUSPENDED") return "pool " + pool.name + " is " + ps;
    const Zvol* z = zvol(l.zvol);
    for (const auto& x : zvols)
      if (!z && x.opened_as == l.zvol && lio.backstore(l.backstore())) z = &x;  // renamed while open
    if (!z || !z->device_present()) return "zvol " + l.zvol + " has no device node";
  }
  if (!lio.running) return "target service stopped";
  if (!lio.backstore(l.backstore())) return "backstore " + l.backstore() + " missing";
  const Target* t = lio.target(l.target);
  if (!t) return "target " + l.target + " missing";
  if (!t->tpg_enabled) return "TPG of " + l.target + " disabled";
  bool mapped = std::any_of(t->luns.begin(), t->luns.end(), [&](const TargetLun& x) {
    return x.lun == l.lun && x.backstore == l.backstore();
  });
  if (!mapped) return fmt::format("LUN {} of {} not mapped", l.lun, l.target);
  if (!reachable(portal_ip(topology.portal_of(l)))) return "storage network down";
  const Session* s = session(l.target);
  if (!s || s->session_state != "LOGGED_IN") return "no session to " + l.target;
  if (s->disk.empty()) return "no disk attached";
  return "";
}

void SimState::klog(const std::string& host, const std::string& message, double after_s, int priority) {
  double& t = uptime[host];
  t += after_s;
  auto lines = text::lines(message);
  std::string stamp = fmt::format("[{:12.6f}] ", t);
  for (size_t i = 0; i < lines.size(); ++i)
    kernel_log[host].push_back(i == 0 ? stamp + std::string(lines[i])
                                      : std::string(stamp.size(), ' ') + std::string(lines[i]));
  for (size_t i = 0; i < lines.size(); ++i)
    kernel_log_meta[host].push_back({static_cast<double>(now) + after_s, priority});
}

void SimState::zevent(std::string cls) {
  int64_t nsec = 0;
  if (!zfs_events.empty() && zfs_events.back().sec == now)
    nsec = std::min<int64_t>(zfs_events.back().nsec + 4'000'000, 999'999'999);
  zfs_events.push_back({now, nsec, std::move(cls)});
}

std::string sd_name(size_t index) {
  // The kernel's sd_format_disk_name(): bijective base 26, sda..sdz, sdaa..sdzz, sdaaa...
  std::string letters;
  for (size_t i = index + 1; i > 0; i = (i - 1) / 26)
    letters.insert(letters.begin(), static_cast<char>('a' + (i - 1) % 26));
  return "sd" + letters;
}

std::string next_sd_name(const SimState& s) {
  // The lowest free index, as the kernel's ida allocator gives it: a disk that comes back after
  // a logout may get another name.
  std::unordered_set<std::string> used;
  for (const auto& x : s.sessions) used.insert(x.disk);
  for (const auto& d : s.local_disks) used.insert(d.name);
  for (size_t i = 0;; ++i)
    if (std::string n = sd_name(i); !used.count(n)) return n;
}

NodeRecord* SimState::node(std::string_view target) {
  for (auto& n : nodes)
    if (n.target == target) return &n;
  return nullptr;
}

namespace {

// The storage server's side: the pool, a zvol and a backstore per LUN, a target per IQN (each
// LUN mapped, the initiator in its ACL).
void build_storage(const Topology& t, SimState& s) {
  s.pool.name = t.storage.pool;
  std::vector<std::string> disks = t.storage.disks;
  if (disks.empty()) disks = {"disk0", "disk1"};
  for (const auto& d : disks) s.pool.disks.push_back(PoolDisk{d, "ONLINE", 0, 0, 0, "", hex8(d, 21)});
  s.pool.spares = t.storage.spare_disks;
  std::unordered_map<std::string, size_t> target_at;
  for (const auto& l : t.luns) {
    int64_t size = 10LL << 30;  // the runbook's 10G LUNs
    // As `stackdr lun create` makes them: the LUN's name in stackdr:lun.
    if (!l.zvol.empty()) s.zvols.push_back(Zvol{l.zvol, "default", size, {{"stackdr:lun", l.name}}});
    int hba = static_cast<int>(s.lio.backstores.size());  // none freed yet: the next index is free
    s.lio.backstores.push_back(Backstore{l.backstore_type, l.backstore_name, l.device,
                                         lio_serial(l.target + l.backstore_name), size, hba});
    auto [at, is_new] = target_at.emplace(l.target, s.lio.targets.size());  // a lookup per LUN, not a scan
    if (is_new) s.lio.targets.push_back(Target{l.target, true, {}, {s.initiator_iqn}, {t.portal_of(l)}});
    s.lio.targets[at->second].luns.push_back(TargetLun{l.lun, l.backstore()});
  }
  s.saved_lio = s.lio;
  if (!s.pool.name.empty()) {  // what `zpool create` posted
    s.zevent("sysevent.fs.zfs.pool_create");
    s.zevent("sysevent.fs.zfs.config_sync");
  }
}

// Logs in to every target, in topology order: the first gets sda, and so on (no disk has gone
// yet, so the lowest free name is the next one not taken by a local disk).
void log_in_everywhere(SimState& s) {
  size_t next_disk = 0;
  auto local_name = [&](const std::string& n) {
    return std::any_of(s.local_disks.begin(), s.local_disks.end(),
                       [&](const LocalDisk& d) { return d.name == n; });
  };
  for (const auto& tg : s.lio.targets) {
    s.nodes.push_back(NodeRecord{tg.iqn, tg.portals.front()});
    Session se;
    se.target = tg.iqn;
    se.portal = tg.portals.front();
    se.sid = s.next_sid++;
    se.host_no = s.next_host_no++;
    se.login_time = s.now;
    while (local_name(sd_name(next_disk))) ++next_disk;
    se.disk = sd_name(next_disk++);
    s.sessions.push_back(se);
  }
}

// A clean array as `mdadm --create` leaves it, its members bound under today's disk names.
Array build_array(const ArrayConfig& a, const SimState& s) {
  Array arr;
  arr.name = a.name;
  arr.device = a.device;
  arr.uuid = a.uuid.value_or(md_uuid(a.name + a.host));
  arr.homehost = a.host;
  arr.level = a.level;
  arr.raid_disks = static_cast<int>(a.members.size());
  arr.size_kib = (10LL << 30) / 1024 - 8192;  // the zvol less md's 1.2 data offset and bitmap
  arr.events = 19;
  arr.creation_time = s.now;
  arr.update_time = s.now + 15;
  int role = 0;
  for (const auto& m : a.members) {
    Member mem;
    mem.lun = m;
    mem.desc_nr = role;
    mem.role = role++;
    mem.events = arr.events;
    mem.update_time = arr.update_time;
    mem.device_uuid = md_uuid(arr.uuid + m);
    mem.checksum = hex8(arr.uuid + m, 31);
    mem.array_state_seen = std::string(a.members.size(), 'A');
    mem.held = 1;
    mem.rdev = s.disk_of(m);
    arr.members.push_back(mem);
  }
  arr.generation = arr.acknowledged = 1;
  return arr;
}

// The KVM host's VMs, each disk's source the array's device or the LUN's by-path link.
void build_vms(const Topology& t, SimState& s) {
  int id = 1;
  for (const auto& v : t.vms) {
    Vm vm;
    vm.name = v.name;
    vm.id = id++;
    for (const auto& d : v.disks) {
      const ArrayConfig* a = t.array(d.source);
      vm.disks.push_back(VmDisk{d.target, a ? a->device : t.by_path(*t.lun(d.source)), true});
      if (!d.mountpoint.empty()) vm.mounts.push_back(GuestMount{d.guest_device, d.mountpoint, "ext4", false});
    }
    if (!v.guest.empty()) s.uptime[v.guest] = 60.0;
    s.vms.push_back(vm);
  }
}

}  // namespace

SimState build_sim_state(const Topology& t) {
  SimState s;
  s.topology = t;
  s.now = kStart;
  s.boot_time = kStart - 60;
  s.storage_host = t.storage.host;
  s.kvm_host = t.initiator.host.empty() ? (t.kvm_hosts().empty() ? "" : t.kvm_hosts()[0]) : t.initiator.host;
  s.initiator_iqn = t.initiator.iqn.empty() ? "iqn.2024-01.com.example:" + s.kvm_host : t.initiator.iqn;
  s.uptime[s.storage_host] = 3600.0;
  s.uptime[s.kvm_host] = 86.0;
  s.local_disks.push_back(LocalDisk{"nvme0n1", "476.9G", "/", {"pci-0000:01:00.0-nvme-1"}});
  build_storage(t, s);
  log_in_everywhere(s);
  for (const auto& a : t.arrays) s.arrays.push_back(build_array(a, s));
  build_vms(t, s);
  for (const auto& a : t.arrays)
    if (!a.mountpoint.empty())
      s.host_mounts[a.host].push_back(GuestMount{a.device, a.mountpoint, "ext4", false});
  s.now += 30;
  return s;
}

}  // namespace stackdr::sim
