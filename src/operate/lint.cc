#include "operate/lint.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "model/node_id.h"
#include "probe/lio_saveconfig.h"
#include "util/text.h"

namespace stackdr {

namespace {

using namespace lint_recommended;

// The write-stall figure the lab measured (tests/lab_captures/2026-11-30, m-stall).
constexpr const char* kStallFigure =
    "the lab measured a 4 KiB write stalling 127.0 s after one leg's link died with open-iscsi's "
    "defaults (replacement_timeout 120, NOP-Out 5/5), and 6.8 s with replacement_timeout 5, NOP-Out 2/2 "
    "and md failfast";

void unread(LintReport& out, const std::string& what) {
  if (std::find(out.unread.begin(), out.unread.end(), what) == out.unread.end()) out.unread.push_back(what);
}

// The node record a step reads back: "" when `key` holds `value`.
Check node_value_is(std::string host, std::string target, std::string portal, std::string key,
                    std::string value) {
  return [=](const View& v) -> std::string {
    auto k = v.observation.kvm.find(host);
    if (k == v.observation.kvm.end() || !k->second.nodes) return "node records not read";
    const IscsiNodeRecord* r = k->second.nodes->find(target, portal);
    if (!r) return "no node record for " + target;
    auto got = r->get(key);
    if (got == value) return "";
    return fmt::format("{} = {}", key, got.value_or("(absent)"));
  };
}

Step node_update_step(const std::string& host, const IscsiNodeRecord& r, const std::string& key,
                      const std::string& value, const std::string& why) {
  Step s;
  s.id = fmt::format("lint.node:{}/{}", r.target, key);
  s.title = fmt::format("set {} = {} in the node record of {} ({})", key, value, r.target, why);
  s.runbook = "runbook: Monitoring Commands (iscsiadm); the session's next login uses it";
  s.host = host;
  s.safety = Safety::kSafe;  // the record only: the running session keeps its values until its next login
  s.argv = {"iscsiadm", "-m", "node", "-T", r.target, "-p", r.portal, "-o", "update", "-n", key, "-v", value};
  s.done_when = fmt::format("iscsiadm -m node shows {} = {}", key, value);
  s.done = node_value_is(host, r.target, r.portal, key, value);
  s.settle_s = 5;
  s.rerun_safe = "setting a value twice leaves it set";
  return s;
}

// The chunk size md prints in /proc/mdstat's bitmap line ("1/1 pages [4KB], 65536KB chunk").
std::optional<int64_t> bitmap_chunk_kib(const std::string& line) {
  auto at = line.find("KB chunk");
  if (at == std::string::npos) return std::nullopt;
  auto start = line.rfind(' ', at);
  size_t from = start == std::string::npos ? 0 : start + 1;
  return text::to_int(line.substr(from, at - from));
}

// What a LUN is to the stack, for the timers its session should have. Fast failure is right
// only where md holds a second copy: there a dead leg must fail quickly so md writes on without
// it. Anywhere else a short timer turns a network blip into an I/O error on the only copy.
struct LunRole {
  bool mirrored = false;
  std::string why;  // said with every finding that rests on it
};

// Mirrored only when it can be shown: the topology puts the LUN in a RAID1 array with a second
// member, and md's own /proc/mdstat, read this sweep, shows that array with two or more slots.
// Anything less (mdstat not read, the array not assembled) is treated as not mirrored, so no
// fix ever shortens a timer on a guess.
LunRole role_of(const Topology& t, const View& v, const LunConfig& l) {
  for (const auto& a : t.arrays) {
    if (std::find(a.members.begin(), a.members.end(), l.name) == a.members.end()) continue;
    if (a.level != "raid1" || a.members.size() < 2)
      return {false, fmt::format("not mirrored: member of {} ({}, {} member{}), no second copy", a.name,
                                 a.level, a.members.size(), a.members.size() == 1 ? "" : "s")};
    std::string others;
    for (const auto& m : a.members)
      if (m != l.name) others += (others.empty() ? "" : ", ") + m;
    auto k = v.observation.kvm.find(a.host);
    if (k == v.observation.kvm.end() || !k->second.mdstat)
      return {false,
              fmt::format("treated as not mirrored: the topology puts it in {} beside {}, but /proc/mdstat "
                          "on {} was not read, so that cannot be shown",
                          a.name, others, a.host)};
    for (const auto& md : k->second.mdstat->arrays)
      if (md.name == a.kernel_name()) {
        if (md.raid_disks >= 2)
          return {true, fmt::format("mirrored: member of {} (raid1, {} slots in /proc/mdstat) beside {}",
                                    a.name, md.raid_disks, others)};
        return {false, fmt::format("treated as not mirrored: /proc/mdstat shows {} with {} slot{}", a.name,
                                   md.raid_disks, md.raid_disks == 1 ? "" : "s")};
      }
    return {false,
            fmt::format("treated as not mirrored: the topology puts it in {}, but /proc/mdstat on {} does "
                        "not show {} assembled",
                        a.name, a.host, a.kernel_name())};
  }
  for (const auto& vm : t.vms)
    for (const auto& d : vm.disks)
      if (d.source == l.name)
        return {false, fmt::format("not mirrored: VM {}'s {} disk {} sits on it directly, no md array",
                                   vm.name, d.boot ? "boot" : "data", d.target)};
  return {false, "not mirrored: no md array in the topology has it as a member"};
}

// A LUN with no second copy: its I/O must wait out a blip, so a replacement timeout from 0 up to
// the minimum (0 fails I/O at once) is a warning, and the fix lengthens it (never shortens).
void check_lone_node_record(const std::string& host, const LunRole& role, const IscsiNodeRecord& r,
                            LintReport& out) {
  auto rt = r.number("node.session.timeo.replacement_timeout");
  if (!rt || *rt < 0 || *rt >= kLoneReplacementTimeoutMin) return;
  LintFinding f{
      "iscsi.fast-fail-unmirrored",
      LintSeverity::kWarning,
      host,
      fmt::format("node {} at {}", r.target, r.portal),
      fmt::format("node.session.timeo.replacement_timeout = {} (iscsiadm -m node -o show)", *rt),
      fmt::format("nothing mirrors this LUN, so when its session drops for more than {} s (a switch "
                  "reboot, a bonded link failing over) every I/O waiting on it fails: the only copy "
                  "returns errors and a filesystem on it goes read-only, a VM booted from it stops",
                  *rt),
      fmt::format("replacement_timeout {} (open-iscsi's default: I/O waits for the session to "
                  "come back; takes effect at the session's next login), or a negative value to "
                  "queue until it does",
                  kLoneReplacementTimeoutMin),
      {node_update_step(host, r, "node.session.timeo.replacement_timeout",
                        std::to_string(kLoneReplacementTimeoutMin), "ride out a blip: nothing mirrors it")},
      role.why};
  out.findings.push_back(std::move(f));
}

void check_mirrored_timers(const std::string& host, const LunConfig& l, const std::string& portal,
                           const IscsiNodeRecord& r, const View& v, const LunRole& role, LintReport& out) {
  std::string subject = fmt::format("node {} at {}", r.target, r.portal);
  const std::string src = "iscsiadm -m node -o show";
  if (auto rt = r.number("node.session.timeo.replacement_timeout"); rt && *rt > kReplacementTimeoutMax) {
    std::string running;
    if (const Node* n = v.node(node_id::session(host, l, portal)))
      if (n->facts.replacement_timeout && *n->facts.replacement_timeout != *rt)
        running = fmt::format(" (the running session has {})", *n->facts.replacement_timeout);
    out.findings.push_back(
        {"iscsi.replacement-timeout",
         LintSeverity::kWarning,
         host,
         subject,
         fmt::format("node.session.timeo.replacement_timeout = {}{} ({})", *rt, running, src),
         fmt::format(
             "when a leg's link dies, every write to the array waits until the session gives up after "
             "{} s, and only then can md fail that leg; {}",
             *rt, kStallFigure),
         fmt::format("replacement_timeout {} (takes effect at the session's next login)",
                     kReplacementTimeout),
         {node_update_step(host, r, "node.session.timeo.replacement_timeout",
                           std::to_string(kReplacementTimeout), "fail a dead leg fast")},
         role.why});
  }
  auto interval = r.number("node.conn[0].timeo.noop_out_interval");
  auto timeout = r.number("node.conn[0].timeo.noop_out_timeout");
  if ((interval && *interval > kNoopInterval) || (timeout && *timeout > kNoopTimeout)) {
    LintFinding f{"iscsi.noop-out",
                  LintSeverity::kWarning,
                  host,
                  subject,
                  fmt::format("node.conn[0].timeo.noop_out_interval = {}, noop_out_timeout = {} ({})",
                              interval.value_or(-1), timeout.value_or(-1), src),
                  fmt::format("a dead link is noticed only when a NOP-Out goes unanswered: up to interval + "
                              "timeout seconds before the replacement timeout even starts; {}",
                              kStallFigure),
                  fmt::format("NOP-Out every {} s, timeout {} s (takes effect at the next login)",
                              kNoopInterval, kNoopTimeout),
                  {},
                  role.why};
    if (interval && *interval > kNoopInterval)
      f.steps.push_back(node_update_step(host, r, "node.conn[0].timeo.noop_out_interval",
                                         std::to_string(kNoopInterval), "notice a dead link fast"));
    if (timeout && *timeout > kNoopTimeout)
      f.steps.push_back(node_update_step(host, r, "node.conn[0].timeo.noop_out_timeout",
                                         std::to_string(kNoopTimeout), "notice a dead link fast"));
    out.findings.push_back(std::move(f));
  }
}

void check_startup(const std::string& host, const IscsiNodeRecord& r, LintReport& out) {
  std::string subject = fmt::format("node {} at {}", r.target, r.portal);
  const std::string src = "iscsiadm -m node -o show";
  auto startup = r.get("node.startup"), conn_startup = r.get("node.conn[0].startup");
  if ((startup && *startup != "automatic") || (conn_startup && *conn_startup != "automatic")) {
    LintFinding f{
        "iscsi.startup",
        LintSeverity::kWarning,
        host,
        subject,
        fmt::format("node.startup = {}, node.conn[0].startup = {} ({})", startup.value_or("?"),
                    conn_startup.value_or("?"), src),
        "after a reboot of the KVM host the session is not logged in again: the array starts degraded "
        "(or not at all) and the VM's disk is missing",
        "node.startup = automatic",
        {}};
    if (startup && *startup != "automatic")
      f.steps.push_back(node_update_step(host, r, "node.startup", "automatic", "log in at boot"));
    if (conn_startup && *conn_startup != "automatic")
      f.steps.push_back(node_update_step(host, r, "node.conn[0].startup", "automatic", "log in at boot"));
    out.findings.push_back(std::move(f));
  }
}

void check_node_record(const std::string& host, const LunConfig& l, const std::string& portal,
                       const IscsiNodeRecord& r, const View& v, const LunRole& role, LintReport& out) {
  if (!role.mirrored) {
    check_lone_node_record(host, role, r, out);
  } else {
    check_mirrored_timers(host, l, portal, r, v, role, out);
  }
  check_startup(host, r, out);
}

void check_iscsi(const Topology& t, const View& v, LintReport& out) {
  const std::string& host = t.initiator.host;
  auto k = v.observation.kvm.find(host);
  if (k == v.observation.kvm.end() || !k->second.nodes) {
    if (!t.luns.empty()) unread(out, "open-iscsi node records on " + host);
    return;
  }
  // One set of findings per record. A record that serves a LUN nothing mirrors is judged as
  // not mirrored, whatever else it serves: the lone copy is what a short timer would hurt.
  std::map<const IscsiNodeRecord*, std::pair<const LunConfig*, LunRole>> records;
  std::vector<const IscsiNodeRecord*> order;
  for (const auto& l : t.luns) {
    const std::string& portal = t.portal_of(l);
    const IscsiNodeRecord* r = k->second.nodes->find(l.target, portal);
    if (!r) r = k->second.nodes->find(l.target);
    if (!r) {
      out.findings.push_back({"iscsi.no-record",
                              LintSeverity::kWarning,
                              host,
                              "LUN " + l.name,
                              fmt::format("iscsiadm -m node -o show has no record for {}", l.target),
                              "without a node record the initiator cannot log in to this LUN again (after a "
                              "reboot, or when stackdr re-logs a session)",
                              fmt::format("iscsiadm -m discovery -t sendtargets -p {}", portal),
                              {}});
      continue;
    }
    LunRole role = role_of(t, v, l);
    auto [it, added] = records.try_emplace(r, &l, role);
    if (added)
      order.push_back(r);
    else if (it->second.second.mirrored && !role.mirrored)
      it->second = {&l, role};
  }
  for (const IscsiNodeRecord* r : order) {
    const auto& [l, role] = records.at(r);
    check_node_record(host, *l, t.portal_of(*l), *r, v, role, out);
  }
}

Step bitmap_step(const ArrayConfig& a) {
  Step s;
  s.id = "lint.md-bitmap:" + a.name;
  s.title = "add an internal write-intent bitmap to " + a.device;
  s.runbook = "runbook: Scenario 1 step 3 (a re-added member resyncs only what changed)";
  s.host = a.host;
  s.safety = Safety::kSafe;  // online; md keeps serving I/O
  s.argv = {"mdadm", "--grow", "--bitmap=internal", a.device};
  s.done_when = "mdadm --detail shows Intent Bitmap : Internal";
  s.done = [name = a.name](const View& v) -> std::string {
    auto it = v.md.find(name);
    return it != v.md.end() && it->second.bitmap == Seen::kYes ? "" : "no write-intent bitmap";
  };
  s.settle_s = 10;
  s.rerun_safe = "mdadm refuses to add a bitmap that is there";
  return s;
}

void check_array(const ArrayConfig& a, const View& v, LintReport& out) {
  const MdArrayState& st = v.array(a);
  if (st.assembled != Seen::kYes) return;  // a stopped array's settings are recovery's business
  if (st.bitmap == Seen::kNo)
    out.findings.push_back(
        {"md.bitmap",
         LintSeverity::kWarning,
         a.host,
         "array " + a.name,
         "mdadm --detail " + a.device + " has no Intent Bitmap line",
         "without a bitmap every brief outage of one leg resyncs the whole array; the lab "
         "re-added 128 MiB in 6.5 s with one, against 511 MiB in 39.2 s for a full rebuild",
         "mdadm --grow --bitmap=internal " + a.device,
         {bitmap_step(a)}});
  auto kit = v.observation.kvm.find(a.host);
  if (kit == v.observation.kvm.end()) return;
  const KvmFacts& k = kit->second;
  const MdstatArray* ms = nullptr;
  if (k.mdstat)
    for (const auto& x : k.mdstat->arrays)
      if (x.name == st.kernel_name) ms = &x;
  if (ms && ms->bitmap)
    if (auto chunk = bitmap_chunk_kib(*ms->bitmap); chunk && *chunk > 0 && ms->blocks / *chunk < 64) {
      int64_t chunks = std::max<int64_t>(1, ms->blocks / *chunk);
      out.findings.push_back(
          {"md.bitmap-chunk",
           LintSeverity::kInfo,
           a.host,
           "array " + a.name,
           fmt::format("/proc/mdstat: bitmap {}, array {} KiB ({} chunks)", *ms->bitmap, ms->blocks, chunks),
           fmt::format(
               "md resyncs whole chunks: each dirty chunk is {}% of this array (the lab saw a third of a "
               "511 MiB array resync after a brief outage with 64 MiB chunks)",
               100 / chunks),
           "mdadm --grow --bitmap=none " + a.device +
               ", then mdadm --grow --bitmap=internal --bitmap-chunk=1M " + a.device +
               " (not applied by stackdr: the array has no bitmap between the two)",
           {}});
    }
  for (const auto& m : st.members) {
    if (m.in_array != Seen::kYes || m.sysfs_state.empty()) continue;
    if (std::find(m.sysfs_state.begin(), m.sysfs_state.end(), "failfast") != m.sysfs_state.end()) continue;
    out.findings.push_back(
        {"md.failfast",
         LintSeverity::kInfo,
         a.host,
         fmt::format("array {} member {}", a.name, m.lun),
         fmt::format("/sys/block/{}/md/dev-{}/state = {}", st.kernel_name, m.device,
                     text::join(m.sysfs_state, ",")),
         "with failfast md fails a leg on its first failed I/O instead of retrying it; part of the settings "
         "behind the lab's 6.8 s stall",
         fmt::format(
             "echo failfast > /sys/block/{}/md/dev-{}/state (not applied by stackdr, which runs commands, "
             "not shell writes; a re-added member loses it unless mdadm --re-add --failfast adds it)",
             st.kernel_name, m.device),
         {}});
  }
  if (!k.mdadm_conf) {
    unread(out, "/etc/mdadm/mdadm.conf on " + a.host);
    return;
  }
  bool listed = false;  // mdadm.conf writes the UUID as mdadm --detail does (77264b19:071bd1c7:...)
  for (auto line : text::lines(*k.mdadm_conf)) {
    auto f = text::fields(line);
    if (!f.empty() && f[0] == "ARRAY" && !st.uuid.empty() && text::contains(line, st.uuid)) listed = true;
  }
  if (!st.uuid.empty() && !listed)
    out.findings.push_back(
        {"md.conf-array",
         LintSeverity::kWarning,
         a.host,
         "array " + a.name,
         "/etc/mdadm/mdadm.conf has no ARRAY line with UUID " + st.uuid,
         "at boot the array is assembled under a name of the kernel's choosing (md127), not " + a.device +
             ", and everything that names " + a.device + " breaks",
         "mdadm --detail --scan " + a.device +
             " >> /etc/mdadm/mdadm.conf, then update-initramfs -u (not applied by stackdr: it "
             "edits no configuration file)",
         {}});
}

void check_md(const Topology& t, const View& v, LintReport& out) {
  for (const auto& a : t.arrays) check_array(a, v, out);
  for (const auto& [host, k] : v.observation.kvm) {
    if (!k.mdadm_conf) continue;
    bool mail = false;
    for (auto line : text::lines(*k.mdadm_conf)) {
      auto f = text::fields(line);
      if (f.size() > 1 && (f[0] == "MAILADDR" || f[0] == "PROGRAM")) mail = true;
    }
    if (!mail)
      out.findings.push_back(
          {"md.mailaddr",
           LintSeverity::kInfo,
           host,
           "mdadm --monitor",
           "/etc/mdadm/mdadm.conf has no MAILADDR or PROGRAM line",
           "mdadm --monitor tells nobody when a leg fails (stackdr watch does, if it runs)",
           "MAILADDR root (or your address) in /etc/mdadm/mdadm.conf",
           {}});
  }
}

Step saveconfig_step(const std::string& host) {
  Step st;
  st.id = "lint.lio-saveconfig";
  st.title = "save the running LIO configuration";
  st.runbook = "runbook: Scenario 1 step 1 (saveconfig after recreating a backstore)";
  st.host = host;
  st.safety = Safety::kSafe;
  st.argv = {"targetcli", "saveconfig"};
  st.done_when = "the saved configuration restores what runs";
  st.done = [](const View& v) -> std::string {
    const StorageFacts& s = v.observation.storage;
    if (!s.lio || !s.lio_saved) return "LIO or its saved configuration not read";
    return text::join(lio_config_differences(*s.lio, *s.lio_saved), "; ");
  };
  st.settle_s = 5;
  st.rerun_safe = "saving the same configuration twice writes the same file";
  return st;
}

// The systemd unit that restores LIO at boot: the one the topology names, present and enabled.
void check_target_unit(const Topology& t, const View& v, LintReport& out) {
  const StorageFacts& s = v.observation.storage;
  const std::string& host = t.storage.host;
  if (t.storage.service.empty()) {
    // The topology says there is no systemd: LIO is restored by `targetctl restore`.
  } else if (!s.target_unit) {
    unread(out, "the target unit on " + host);
  } else if (!s.target_unit->empty() && s.target_unit_name != t.storage.service + ".service") {
    out.findings.push_back(
        {"lio.service-name",
         LintSeverity::kWarning,
         host,
         "storage.service in the topology",
         fmt::format("storage.service is '{}', but {} has no {}.service; its target unit is {}",
                     t.storage.service, host, t.storage.service, s.target_unit_name),
         "Scenario 2's recovery starts the unit the topology names: `systemctl start " + t.storage.service +
             "` would fail on this server",
         fmt::format(
             "storage.service: {} in the topology (not applied by stackdr: it edits no configuration file)",
             s.target_unit_name.substr(0, s.target_unit_name.rfind(".service"))),
         {}});
  }
  if (t.storage.service.empty() || !s.target_unit) {
  } else if (s.target_unit->empty()) {
    out.findings.push_back(
        {"lio.no-unit",
         LintSeverity::kWarning,
         host,
         "LIO target service",
         "systemctl is-enabled: neither rtslib-fb-targetctl.service nor target.service exists",
         "nothing restores the saved LIO configuration at boot: no LUN is exported after a "
         "reboot of the storage server",
         "install the target service (Debian: python3-rtslib-fb; Red Hat: targetcli)",
         {}});
  } else if (*s.target_unit != "enabled") {
    const std::string unit = s.target_unit_name;
    Step st;
    st.id = "lint.target-enabled";
    st.title = "enable " + unit + " at boot (it restores the saved LIO configuration)";
    st.host = host;
    st.safety = Safety::kSafe;
    st.argv = {"systemctl", "enable", unit};
    st.done_when = "systemctl is-enabled " + unit + " says enabled";
    st.done = [](const View& v) -> std::string {
      const auto& u = v.observation.storage.target_unit;
      return u && *u == "enabled" ? "" : "the target unit is " + u.value_or("not read");
    };
    st.settle_s = 5;
    st.rerun_safe = "enabling an enabled unit changes nothing";
    out.findings.push_back({"lio.unit-disabled",
                            LintSeverity::kWarning,
                            host,
                            unit,
                            "systemctl is-enabled " + unit + ": " + *s.target_unit,
                            "after a reboot of the storage server no LUN is exported until someone starts it",
                            "systemctl enable " + unit,
                            {st}});
  }
}

void check_lio(const Topology& t, const View& v, LintReport& out) {
  const StorageFacts& s = v.observation.storage;
  const std::string& host = t.storage.host;
  if (!s.lio || !s.lio_saved) {
    unread(out, "LIO's saved configuration on " + host);
  } else if (auto diff = lio_config_differences(*s.lio, *s.lio_saved); !diff.empty()) {
    // Saving a broken running configuration would make the breakage what a reboot restores.
    bool lio_ok = std::none_of(v.graph.nodes().begin(), v.graph.nodes().end(), [](const Node& n) {
      return (n.layer == Layer::kBackstore || n.layer == Layer::kLun || n.layer == Layer::kTargetService) &&
             n.health != Health::kOk;
    });
    LintFinding f{
        "lio.saveconfig",
        LintSeverity::kWarning,
        host,
        "LIO configuration",
        fmt::format("{} differs from configfs: {}", s.lio_saved_path, text::join(diff, "; ")),
        "a reboot or `systemctl restart target` restores the saved configuration, not the running one",
        lio_ok ? "targetcli saveconfig"
               : "repair the LIO findings first (stackdr recover), then targetcli saveconfig: saving now "
                 "would make the breakage what a reboot restores",
        {}};
    if (lio_ok) f.steps.push_back(saveconfig_step(host));
    out.findings.push_back(std::move(f));
  }
  check_target_unit(t, v, out);
}

void check_zfs(const Topology& t, const View& v, LintReport& out) {
  const StorageFacts& s = v.observation.storage;
  const std::string& host = t.storage.host;
  if (s.zvols)
    for (const auto& l : t.luns)
      for (const auto& p : s.zvols->properties)
        if (!l.zvol.empty() && p.dataset == l.zvol && p.property == "volmode" && p.value != "dev")
          out.findings.push_back(
              {"zfs.volmode",
               LintSeverity::kInfo,
               host,
               "zvol " + l.zvol,
               fmt::format("zfs get volmode {}: {} ({})", l.zvol, p.value, p.source),
               "with volmode=default or full the storage server's kernel scans the zvol for partitions and "
               "LVM "
               "and may claim the guest's volumes; the runbook sets volmode=dev",
               "zfs set volmode=dev " + l.zvol +
                   " (not applied by stackdr: it recreates the device nodes of a zvol under a LUN in use)",
               {}});
  if (t.storage.pool.empty()) return;
  if (!s.pool_props) {
    unread(out, "the properties of pool " + t.storage.pool);
    return;
  }
  if (auto ar = s.pool_props->find("autoreplace"); ar != s.pool_props->end() && ar->second == "off")
    out.findings.push_back(
        {"zfs.autoreplace",
         LintSeverity::kInfo,
         host,
         "pool " + t.storage.pool,
         "zpool get autoreplace: off",
         "a new disk put in a failed disk's slot is not used until someone runs zpool replace "
         "(stackdr's Scenario 3 recovery replaces onto a configured spare)",
         "zpool set autoreplace=on " + t.storage.pool + " (a choice; not applied by stackdr)",
         {}});
}

}  // namespace

const char* lint_severity_name(LintSeverity s) {
  return s == LintSeverity::kWarning ? "warning" : "info";
}

bool LintReport::any_warning() const {
  return std::any_of(findings.begin(), findings.end(),
                     [](const LintFinding& f) { return f.severity == LintSeverity::kWarning; });
}

LintReport lint(const Topology& t, const View& v) {
  LintReport r;
  check_iscsi(t, v, r);
  check_md(t, v, r);
  check_lio(t, v, r);
  check_zfs(t, v, r);
  return r;
}

Plan lint_fix_plan(const LintReport& r) {
  Plan p;
  p.summary = "apply the safe fixes of stackdr lint";
  for (const auto& f : r.findings) p.steps.insert(p.steps.end(), f.steps.begin(), f.steps.end());
  return p;
}

nlohmann::json lint_json(const LintReport& r) {
  nlohmann::json j;
  j["findings"] = nlohmann::json::array();
  for (const auto& f : r.findings) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : f.steps)
      steps.push_back({{"host", s.host}, {"argv", s.argv}, {"safety", safety_name(s.safety)}});
    j["findings"].push_back({{"id", f.id},
                             {"severity", lint_severity_name(f.severity)},
                             {"host", f.host},
                             {"subject", f.subject},
                             {"evidence", f.evidence},
                             {"why", f.why},
                             {"fix", f.fix},
                             {"role", f.role},
                             {"fixable", !f.steps.empty()},
                             {"steps", steps}});
  }
  j["unread"] = r.unread;
  return j;
}

}  // namespace stackdr
