#include "watch/stack_metrics.h"

#include "diagnose/diagnoser.h"
#include "model/cause.h"

namespace stackdr {

namespace {

double health_value(Health h) {
  switch (h) {
    case Health::kOk:
      return 0;
    case Health::kDegraded:
      return 1;
    case Health::kFailed:
      return 2;
    case Health::kUnknown:
      return 3;
  }
  return 3;
}

void add_md(MetricsPage& p, const View& v) {
  p.family("stackdr_md_state", "gauge",
           "The md array's state as /proc/mdstat prints it (1 for the current one).");
  p.family("stackdr_md_disks", "gauge",
           "Slots of the md array by state (active, failed, spare), from /proc/mdstat.");
  p.family("stackdr_md_disks_required", "gauge", "Slots the md array has ([n/m]: n).");
  p.family("stackdr_md_sync_progress_ratio", "gauge",
           "Progress of the md array's running sync action, 0 to 1.");
  p.family("stackdr_md_bitmap", "gauge", "1 when the md array has an internal write-intent bitmap.");
  p.family("stackdr_md_sync_speed_bytes_per_second", "gauge",
           "The md array's running sync action's rate, from /proc/mdstat (speed=).");
  p.family(
      "stackdr_md_bitmap_pages", "gauge",
      "Pages of the md array's write-intent bitmap, in use (dirty chunks) and in all, from /proc/mdstat.");
  for (const auto& [name, a] : v.md) {
    if (a.assembled != Seen::kYes) continue;  // not listed, or /proc/mdstat not read: no sample
    std::string host = a.config ? a.config->host : "";
    MetricsPage::Labels id = {{"host", host}, {"array", name}, {"device", a.kernel_name}};
    auto with = [&](std::string k, std::string val) {
      MetricsPage::Labels l = id;
      l.emplace_back(std::move(k), std::move(val));
      return l;
    };
    p.sample("stackdr_md_state", with("state", a.md_state), 1);
    int failed = 0, spare = 0;
    for (const auto& s : a.slots) {
      failed += s.faulty;
      spare += s.spare && !s.faulty;
    }
    p.sample("stackdr_md_disks", with("state", "active"), a.active_disks);
    p.sample("stackdr_md_disks", with("state", "failed"), failed);
    p.sample("stackdr_md_disks", with("state", "spare"), spare);
    p.sample("stackdr_md_disks_required", id, a.raid_disks);
    if (a.sync && a.sync->percent)
      p.sample("stackdr_md_sync_progress_ratio", with("action", a.sync->action), *a.sync->percent / 100.0);
    if (a.bitmap != Seen::kUnknown) p.sample("stackdr_md_bitmap", id, a.bitmap == Seen::kYes ? 1 : 0);
    if (a.sync && a.sync->speed_kib)
      p.sample("stackdr_md_sync_speed_bytes_per_second", with("action", a.sync->action),
               static_cast<double>(*a.sync->speed_kib) * 1024);
    if (a.bitmap_pages) {
      p.sample("stackdr_md_bitmap_pages", with("state", "used"), static_cast<double>(*a.bitmap_pages_used));
      p.sample("stackdr_md_bitmap_pages", with("state", "all"), static_cast<double>(*a.bitmap_pages));
    }
  }
}

void add_sessions(MetricsPage& p, const Observation& o) {
  p.family("stackdr_iscsi_session_up", "gauge",
           "1 when the iSCSI session is LOGGED_IN, from iscsiadm -m session -P 3.");
  p.family("stackdr_iscsi_session_state", "gauge", "The iSCSI session's state (1 for the current one).");
  for (const auto& [host, k] : o.kvm) {
    if (!k.sessions) continue;
    for (const auto& s : k.sessions->sessions) {
      MetricsPage::Labels l = {{"host", host}, {"target", s.target}, {"portal", s.portal}};
      p.sample("stackdr_iscsi_session_up", l, s.session_state == "LOGGED_IN" ? 1 : 0);
      l.emplace_back("state", s.session_state);
      p.sample("stackdr_iscsi_session_state", l, 1);
    }
  }
}

void add_vdev(MetricsPage& p, const std::string& pool, const ZpoolVdev& d) {
  MetricsPage::Labels l = {{"pool", pool}, {"vdev", d.name}};
  for (auto [type, n] :
       {std::pair{"read", d.read_errors}, {"write", d.write_errors}, {"checksum", d.cksum_errors}}) {
    MetricsPage::Labels e = l;
    e.emplace_back("type", type);
    p.sample("stackdr_zpool_vdev_errors", e, static_cast<double>(n));
  }
  l.emplace_back("state", d.state);
  p.sample("stackdr_zpool_vdev_state", l, 1);
  for (const auto& c : d.children) add_vdev(p, pool, c);
}

void add_zfs(MetricsPage& p, const Observation& o) {
  p.family("stackdr_zpool_state", "gauge", "The pool's state from zpool status (1 for the current one).");
  p.family("stackdr_zpool_vdev_state", "gauge", "A vdev's state from zpool status (1 for the current one).");
  p.family("stackdr_zpool_vdev_errors", "gauge",
           "A vdev's read, write and checksum error counters from zpool status.");
  if (!o.storage.zpool) return;
  for (const auto& pool : o.storage.zpool->pools) {
    p.sample("stackdr_zpool_state", {{"pool", pool.name}, {"state", pool.state}}, 1);
    for (const auto& c : pool.root.children) add_vdev(p, pool.name, c);
  }
}

}  // namespace

void add_stack_metrics(MetricsPage& p, const View& v, double sweep_seconds) {
  p.family("stackdr_status", "gauge",
           "The stack's status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (as `stackdr status` exits).");
  p.sample("stackdr_status", {}, v.status);
  p.family("stackdr_node_health", "gauge", "Each node of the stack: 0 OK, 1 DEGRADED, 2 FAILED, 3 UNKNOWN.");
  for (const auto& n : v.graph.nodes())
    p.sample("stackdr_node_health", {{"layer", layer_name(n.layer)}, {"node", n.id}, {"host", n.host}},
             health_value(n.health));
  p.family("stackdr_finding", "gauge",
           "A failure stackdr names: its root node, runbook scenario and cause (1 while it lasts).");
  for (const auto& f : v.findings)
    p.sample("stackdr_finding",
             {{"scenario", std::to_string(f.scenario)},
              {"cause", cause_name(f.cause)},
              {"root", f.root},
              {"host", f.host}},
             1);
  add_md(p, v);
  add_sessions(p, v.observation);
  add_zfs(p, v.observation);
  p.family("stackdr_sweep_duration_seconds", "gauge", "How long the last sweep of the whole stack took.");
  p.sample("stackdr_sweep_duration_seconds", {}, sweep_seconds);
  p.family("stackdr_source_up", "gauge",
           "1 when the last sweep could read the source, 0 when the read failed (its facts are UNKNOWN).");
  p.family("stackdr_source_duration_seconds", "gauge", "How long the last sweep's read of the source took.");
  for (const auto& s : v.observation.sources) {
    MetricsPage::Labels l = {{"host", s.host}, {"source", s.source}};
    p.sample("stackdr_source_up", l, s.ok ? 1 : 0);
    p.sample("stackdr_source_duration_seconds", l, s.ms / 1000.0);
  }
}

}  // namespace stackdr
