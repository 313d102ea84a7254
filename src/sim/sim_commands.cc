#include "sim/sim_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "sim/kernel_reaction.h"
#include "sim/time_passes.h"
#include "util/text.h"

namespace stackdr::sim {

namespace {

std::string kv_arg(const Argv& a, std::string_view key) {  // targetcli's name=value arguments
  for (const auto& x : a)
    if (text::starts_with(x, std::string(key) + "=")) return x.substr(key.size() + 1);
  return "";
}

Rendered ok(std::string out = "") {
  return {std::move(out), "", 0};
}
Rendered fail(std::string err, int rc = 1) {
  return {"", std::move(err), rc};
}

std::string strip_dev(std::string d) {
  return text::starts_with(d, "/dev/") ? d.substr(5) : d;
}

// --- storage server ---------------------------------------------------------------------

bool device_exists(const SimState& s, const std::string& dev) {
  for (const auto& z : s.zvols)
    if ("/dev/zvol/" + z.name == dev) return z.device_present();
  for (const auto& l : s.topology.luns)
    if (!l.device.empty() && l.device == dev) return true;
  return false;
}

Rendered unknown_targetcli(const Argv& a) {
  return fail("Unknown command: " + text::join(std::vector<std::string>(a.begin() + 1, a.end()), " ") + "\n");
}

// /backstores/TYPE create name=NAME dev=DEV [wwn=SERIAL]: a storage object on an existing device.
Rendered create_backstore(SimState& s, const Argv& a) {
  std::string type = a[1].substr(12), name = kv_arg(a, "name"), dev = kv_arg(a, "dev");
  if (s.lio.backstore(type + "/" + name))
    return fail(fmt::format("Storage object {}/{} exists\n", type, name));
  if (!device_exists(s, dev)) return fail(fmt::format("Could not open {}: No such file or directory\n", dev));
  Backstore b{type, name, dev, kv_arg(a, "wwn"), 10LL << 30};
  if (b.serial.empty()) b.serial = fmt::format("{:08x}-0000-4000-8000-{:012x}", s.now & 0xffffffff, s.now);
  b.hba_index = s.lio.free_hba_index();
  s.lio.backstores.push_back(b);
  return ok(fmt::format("Created block storage object {} using {}.\n", name, dev));
}

// /iscsi/IQN/tpg1/luns create /backstores/TYPE/NAME [LUN] (mapped in every ACL), or
// /iscsi/IQN/tpg1/acls create INITIATOR.
Rendered create_in_tpg(SimState& s, const Argv& a) {
  auto parts = text::split(a[1], '/');  // "", iscsi, IQN, tpg1, luns
  if (parts.size() < 5) return fail("No such path " + a[1] + "\n");
  Target* t = s.lio.target(std::string(parts[2]));
  if (!t) return fail(fmt::format("No such path /iscsi/{}\n", parts[2]));
  if (parts[4] == "luns") {
    std::string bs = text::starts_with(a[3], "/backstores/") ? a[3].substr(12) : a[3];
    if (!s.lio.backstore(bs)) return fail(fmt::format("No storage object named {}.\n", bs));
    int lun = a.size() >= 5 ? static_cast<int>(text::to_int(a[4]).value_or(0)) : 0;
    if (std::any_of(t->luns.begin(), t->luns.end(), [&](const TargetLun& x) { return x.lun == lun; }))
      return fail(fmt::format("LUN {} already exists\n", lun));
    t->luns.push_back({lun, bs});
    std::string out = fmt::format("Created LUN {}.\n", lun);
    for (size_t i = 0; i < t->acls.size(); ++i)
      out += fmt::format("Created LUN {}->{} mapping in node ACL {}\n", lun, lun, t->acls[i]);
    return ok(out);
  }
  if (parts[4] == "acls") {
    if (!argv_has(t->acls, a[3])) t->acls.push_back(a[3]);
    return ok(fmt::format("Created Node ACL for {}\n", a[3]));
  }
  return unknown_targetcli(a);
}

Rendered targetcli(SimState& s, const Argv& a) {
  if (!s.lio.running && !(a.size() == 2 && a[1] == "ls"))
    return fail("Cannot load configfs: target service is not running (modprobe target_core_mod)\n");
  if (a.size() == 2 && a[1] == "saveconfig") {
    s.saved_lio = s.lio;
    return ok("Configuration saved to /etc/target/saveconfig.json\n");
  }
  if (a.size() >= 3 && text::starts_with(a[1], "/backstores/") && a[2] == "create")
    return create_backstore(s, a);
  // /iscsi create IQN: the target, its tpg1 enabled, and targetcli-fb's default portal.
  if (a.size() == 4 && a[1] == "/iscsi" && a[2] == "create") {
    if (s.lio.target(a[3])) return fail("This Target already exists in configFS\n");
    s.lio.targets.push_back(Target{a[3], true, {}, {}, {"0.0.0.0:3260"}});
    return ok(
        fmt::format("Created target {}.\nCreated TPG 1.\nGlobal pref auto_add_default_portal=true\n"
                    "Created default portal listening on all IPs (0.0.0.0), port 3260.\n",
                    a[3]));
  }
  // /iscsi delete IQN: the target goes; sessions to it lose their connection.
  if (a.size() == 4 && a[1] == "/iscsi" && a[2] == "delete") {
    if (!s.lio.target(a[3])) return fail(fmt::format("No such Target in configfs: {}\n", a[3]));
    std::erase_if(s.lio.targets, [&](const Target& t) { return t.iqn == a[3]; });
    for (auto& se : s.sessions)
      if (se.target == a[3]) {
        se.session_state = "FAILED";
        se.connection_state = "TRANSPORT WAIT";
      }
    return ok(fmt::format("Deleted Target {}.\n", a[3]));
  }
  // /backstores/TYPE delete NAME: the storage object, and every LUN that maps it.
  if (a.size() == 4 && text::starts_with(a[1], "/backstores/") && a[2] == "delete") {
    std::string bs = a[1].substr(12) + "/" + a[3];
    if (!s.lio.backstore(bs)) return fail(fmt::format("No storage object named {}.\n", a[3]));
    std::erase_if(s.lio.backstores, [&](const Backstore& b) { return b.type + "/" + b.name == bs; });
    for (auto& t : s.lio.targets)
      std::erase_if(t.luns, [&](const TargetLun& l) { return l.backstore == bs; });
    return ok(fmt::format("Deleted storage object {}.\n", a[3]));
  }
  // /iscsi/IQN/tpg1/luns delete lunN: the LUN goes from the TPG (and from every ACL's map).
  if (a.size() == 4 && text::starts_with(a[1], "/iscsi/") && text::ends_with(a[1], "/luns") &&
      a[2] == "delete") {
    auto parts = text::split(a[1], '/');
    Target* t = parts.size() >= 5 ? s.lio.target(std::string(parts[2])) : nullptr;
    auto n = text::starts_with(a[3], "lun") ? text::to_int(a[3].substr(3)) : std::nullopt;
    if (!t || !n) return fail("No such path " + a[1] + "/" + a[3] + "\n");
    auto before = t->luns.size();
    std::erase_if(t->luns, [&](const TargetLun& l) { return l.lun == *n; });
    if (t->luns.size() == before) return fail(fmt::format("No such LUN: {}\n", a[3]));
    return ok(fmt::format("Deleted LUN {}.\n", *n));
  }
  // /iscsi/IQN/tpg1/luns create /backstores/block/NAME [LUN]   or   .../acls create INITIATOR
  if (a.size() >= 4 && text::starts_with(a[1], "/iscsi/") && a[2] == "create") return create_in_tpg(s, a);
  return unknown_targetcli(a);
}

Rendered target_service(SimState& s, const Argv& a) {
  if (a[0] == "targetctl" && a[1] != "restore") return fail("targetctl: unsupported invocation\n", 1);
  if (a[1] == "is-active") return s.lio.running ? ok("active\n") : Rendered{"inactive\n", "", 3};
  if (a[1] == "start" || a[1] == "restart" || a[1] == "restore") {
    // target.service runs `targetctl restore`: the saved config, minus storage objects whose
    // device is missing (restoreconfig skips those silently, and their LUNs with them).
    s.lio = s.saved_lio;
    s.lio.running = true;
    std::vector<std::string> gone;
    for (const auto& b : s.lio.backstores)
      if (!device_exists(s, b.device)) gone.push_back(b.type + "/" + b.name);
    std::erase_if(s.lio.backstores, [&](const Backstore& b) {
      return std::find(gone.begin(), gone.end(), b.type + "/" + b.name) != gone.end();
    });
    for (auto& t : s.lio.targets)
      std::erase_if(t.luns, [&](const TargetLun& l) {
        return std::find(gone.begin(), gone.end(), l.backstore) != gone.end();
      });
    return ok();
  }
  if (a[1] == "stop") {
    s.lio.running = false;
    s.lio.backstores.clear();
    s.lio.targets.clear();
    return ok();
  }
  return fail("Unknown operation '" + a[1] + "'.\n");
}

Rendered zpool(SimState& s, const Argv& a) {
  Pool& p = s.pool;
  if (a.size() >= 3 && a[2] != p.name) return fail(fmt::format("cannot open '{}': no such pool\n", a[2]));
  if (a[1] == "clear" && a.size() >= 3) {
    for (auto& d : p.disks) {
      if (a.size() >= 4 && d.name != a[3]) continue;
      // OpenZFS's vdev_clear: a removed disk is left alone; a faulted or erroring one is
      // reopened, and that is posted (vdev_clear).
      bool reopened = d.state != "REMOVED" && (d.state != "ONLINE" || d.read_errors || d.write_errors);
      d.read_errors = d.write_errors = d.cksum_errors = 0;
      d.note.clear();
      if (!d.dead) d.state = "ONLINE";
      if (reopened) s.zevent("sysevent.fs.zfs.vdev_clear");
    }
    s.zevent("sysevent.fs.zfs.config_sync");  // the configuration is written either way (lab, 2.1.11)
    return ok();
  }
  if (a[1] == "scrub" && a.size() == 3) {
    if (p.scanning) return fail(fmt::format("cannot scrub {}: currently {}ing\n", p.name, p.scanning->kind));
    p.scanning = PoolScan{"scrub", s.now, 0, p.allocated_bytes, 512LL << 20, ""};
    s.zevent("sysevent.fs.zfs.scrub_start");
    return ok();
  }
  if (a[1] == "replace" && a.size() == 5) {
    auto old =
        std::find_if(p.disks.begin(), p.disks.end(), [&](const PoolDisk& d) { return d.name == a[3]; });
    if (old == p.disks.end())
      return fail(fmt::format("cannot replace {} with {}: no such device in pool\n", a[3], a[4]));
    if (!argv_has(p.spares, a[4]))
      return fail(fmt::format(
          "cannot open '{}': no such device in /dev\nmust be a full path or shorthand device name\n", a[4]));
    if (p.scanning)
      return fail(fmt::format("cannot replace {}: a {} is in progress\n", a[3], p.scanning->kind));
    std::erase(p.spares, a[4]);
    PoolDisk n{a[4], "ONLINE", 0, 0, 0, "", a[4].substr(a[4].rfind('_') + 1)};
    p.disks.insert(old + 1, n);
    p.scanning = PoolScan{"resilver", s.now, 0, p.allocated_bytes, 512LL << 20, a[3]};
    s.zevent("sysevent.fs.zfs.vdev_attach");
    s.zevent("sysevent.fs.zfs.resilver_start");
    s.zevent("sysevent.fs.zfs.config_sync");
    return ok();
  }
  return fail("unrecognized command '" + a[1] + "'\n", 2);
}

Rendered zfs_set(SimState& s, const Argv& a) {
  // zfs set PROPERTY=VALUE DATASET: volmode, volsize, and user properties (module:name).
  if (a.size() != 4 || a[2].find('=') == std::string::npos)
    return fail("usage: zfs set <property=value> ...\n", 2);
  Zvol* z = s.zvol(a[3]);
  if (!z) return fail(fmt::format("cannot open '{}': dataset does not exist\n", a[3]));
  std::string prop = a[2].substr(0, a[2].find('=')), value = a[2].substr(a[2].find('=') + 1);
  if (prop == "volmode") {
    z->volmode = value;
  } else if (prop == "volsize") {
    auto size = text::parse_binary_size(value);
    if (!size)
      return fail(fmt::format("cannot set property for '{}': bad numeric value '{}'\n", a[3], value));
    z->volsize = *size;
  } else if (prop.find(':') != std::string::npos) {
    z->user_props[prop] = value;
  } else {
    return fail(fmt::format("cannot set property for '{}': invalid property '{}'\n", a[3], prop), 2);
  }
  return ok();
}

// zfs create [-s] -V SIZE [-o PROP=VALUE]... POOL/NAME: a new zvol.
Rendered zfs_create(SimState& s, const Argv& a) {
  std::string size = argv_after(a, "-V"), name = a.back();
  auto bytes = text::parse_binary_size(size);
  if (!bytes) return fail(fmt::format("bad volume size '{}'\n", size), 2);
  if (name.substr(0, name.find('/')) != s.pool.name)
    return fail(fmt::format("cannot create '{}': no such pool '{}'\n", name, name.substr(0, name.find('/'))));
  if (s.zvol(name)) return fail(fmt::format("cannot create '{}': dataset already exists\n", name));
  Zvol z{name, "default", *bytes, {}};
  for (size_t i = 1; i + 1 < a.size(); ++i) {
    if (a[i] != "-o") continue;
    std::string_view o = a[i + 1];
    size_t eq = o.find('=');
    if (text::starts_with(o, "volmode="))
      z.volmode = o.substr(8);
    else if (eq != std::string_view::npos && o.substr(0, eq).find(':') != std::string_view::npos)
      z.user_props[std::string(o.substr(0, eq))] = std::string(o.substr(eq + 1));
  }
  s.zvols.push_back(z);
  return ok();
}

// zfs rename [-p] OLD NEW: the zvol (and its device link) moves.
Rendered zfs_rename(SimState& s, const Argv& a) {
  Zvol* z = s.zvol(a[a.size() - 2]);
  if (!z) return fail(fmt::format("cannot open '{}': dataset does not exist\n", a[a.size() - 2]));
  if (s.zvol(a.back())) return fail(fmt::format("cannot rename to '{}': dataset already exists\n", a.back()));
  if (z->opened_as.empty()) z->opened_as = z->name;
  if (z->opened_as == a.back()) z->opened_as.clear();
  z->name = a.back();
  return ok();
}

// --- KVM host: open-iscsi -----------------------------------------------------------------

// iscsiadm -m node -T IQN -p PORTAL -o update -n KEY -v VALUE: the keys the simulated node
// record keeps; iscsiadm prints nothing when it updated.
Rendered iscsiadm_update(SimState& s, const Argv& a) {
  std::string iqn = argv_after(a, "-T"), key = argv_after(a, "-n"), value = argv_after(a, "-v");
  NodeRecord* n = s.node(iqn);
  if (!n) return fail("iscsiadm: No records found\n", 21);
  auto number = text::to_int(value);
  if (key == "node.startup" || key == "node.conn[0].startup") {
    if (value != "automatic" && value != "manual" && value != "onboot")
      return fail(fmt::format("iscsiadm: Cannot modify {}. Invalid value {}\n", key, value), 7);
    n->startup = value;  // the simulated record keeps one startup for the node and its connection
  } else if (key == "node.session.timeo.replacement_timeout" && number) {
    n->replacement_timeout = static_cast<int>(*number);
  } else if (key == "node.conn[0].timeo.noop_out_interval" && number) {
    n->noop_interval = static_cast<int>(*number);
  } else if (key == "node.conn[0].timeo.noop_out_timeout" && number) {
    n->noop_timeout = static_cast<int>(*number);
  } else {
    return fail(fmt::format("iscsiadm: Could not update {}: the simulated record does not keep it\n", key),
                7);
  }
  return ok();
}

// iscsiadm -m discovery -t sendtargets -p PORTAL: a node record for every target the portal
// offers (new ones with the defaults; existing ones keep their settings).
Rendered iscsiadm_discovery(SimState& s, const Argv& a) {
  std::string portal = argv_after(a, "-p");
  if (portal.find(':') == std::string::npos) portal += ":3260";
  if (!s.reachable(portal_ip(portal)) || !s.lio.running)
    return fail(
        fmt::format("iscsiadm: cannot make connection to {}: Connection timed out\n"
                    "iscsiadm: connection login retries (reopen_max) 5 exceeded\n"
                    "iscsiadm: Could not perform SendTargets discovery: encountered connection failure\n",
                    portal_ip(portal)),
        8);
  std::string out;
  for (const auto& t : s.lio.targets) {
    std::string any = "0.0.0.0:" + std::to_string(portal_port(portal));
    if (std::find(t.portals.begin(), t.portals.end(), portal) == t.portals.end() &&
        std::find(t.portals.begin(), t.portals.end(), any) == t.portals.end())
      continue;
    if (!s.node(t.iqn)) s.nodes.push_back(NodeRecord{t.iqn, portal});
    out += fmt::format("{},1 {}\n", portal, t.iqn);
  }
  return ok(out);
}

Rendered iscsiadm(SimState& s, const Argv& a) {
  std::string mode = argv_after(a, "-m");
  if (mode == "discovery") return iscsiadm_discovery(s, a);
  if (mode == "node" && argv_has(a, "update")) return iscsiadm_update(s, a);
  if (mode == "node" && (argv_has(a, "--login") || argv_has(a, "-l"))) {
    std::string iqn = argv_after(a, "-T"), portal = argv_after(a, "-p");
    std::string tag = fmt::format("[iface: default, target: {}, portal: {},{}]", iqn,
                                  text::split(portal, ':')[0], portal.substr(portal.find(':') + 1));
    if (!s.node(iqn)) return fail("iscsiadm: No records found\n", 21);
    if (Session* se = s.session(iqn); se && se->session_state == "LOGGED_IN")
      return fail(
          "iscsiadm: default: 1 session requested, but 1 already present.\niscsiadm: Could not log into all "
          "portals\n",
          15);
    const Target* t = s.lio.target(iqn);
    if (!s.reachable(portal_ip(portal)) || !s.lio.running)
      return fail(
          fmt::format("Logging in to {}\niscsiadm: Could not login to {}.\niscsiadm: initiator reported "
                      "error (8 - connection timed out)\niscsiadm: Could not log into all portals\n",
                      tag, tag),
          8);
    if (!t)
      return fail(fmt::format("Logging in to {}\niscsiadm: Could not login to {}.\niscsiadm: initiator "
                              "reported error (19 - encountered non-retryable iSCSI login failure)\n",
                              tag, tag),
                  19);
    if (!argv_has(t->acls, s.initiator_iqn))
      return fail(fmt::format("Logging in to {}\niscsiadm: Could not login to {}.\niscsiadm: initiator "
                              "reported error (24 - iSCSI login failed due to authorization failure)\n",
                              tag, tag),
                  24);
    const NodeRecord* node = s.node(iqn);
    std::erase_if(s.sessions, [&](const Session& x) { return x.target == iqn; });
    Session se;
    se.target = iqn;
    se.portal = portal;
    if (node) se.recovery_timeout = node->replacement_timeout;
    se.sid = s.next_sid++;
    se.host_no = s.next_host_no++;
    se.login_time = s.now;
    bool mapped = !t->luns.empty();
    se.disk = mapped ? next_sd_name(s) : "";
    s.sessions.push_back(se);
    s.klog(s.kvm_host, fmt::format("scsi host{}: iSCSI Initiator over TCP/IP", se.host_no), 1.0, 6);
    if (mapped)
      s.klog(s.kvm_host, fmt::format("sd {}:0:0:0: [{}] Attached SCSI disk", se.host_no, se.disk), 0.001, 5);
    return ok(fmt::format("Logging in to {}\nLogin to {} successful.\n", tag, tag));
  }
  if (mode == "node" && (argv_has(a, "--logout") || argv_has(a, "-u"))) {
    std::string iqn = argv_after(a, "-T"), portal = argv_after(a, "-p");
    if (!s.session(iqn)) return fail("iscsiadm: No matching sessions found\n", 21);
    std::erase_if(s.sessions, [&](const Session& x) { return x.target == iqn; });
    return ok(
        fmt::format("Logging out of session [sid: 1, target: {}, portal: {}]\nLogout of [sid: 1, target: {}, "
                    "portal: {}] successful.\n",
                    iqn, portal, iqn, portal));
  }
  if (mode == "session" && (argv_has(a, "--rescan") || argv_has(a, "-R"))) {
    std::string sid = argv_after(a, "-r");
    for (auto& se : s.sessions) {
      if (std::to_string(se.sid) != sid) continue;
      const Target* t = s.lio.target(se.target);
      if (se.disk.empty() && t && !t->luns.empty() && se.session_state == "LOGGED_IN") {
        se.disk = next_sd_name(s);
        s.klog(s.kvm_host, fmt::format("sd {}:0:0:0: [{}] Attached SCSI disk", se.host_no, se.disk), 1.0, 5);
      }
      return ok(fmt::format("Rescanning session [sid: {}, target: {}, portal: {}]\n", se.sid, se.target,
                            se.portal));
    }
    return fail(fmt::format("iscsiadm: Could not get session{} info\n", sid), 21);
  }
  return fail("iscsiadm: unsupported invocation\n", 7);
}

// --- KVM host: md ---------------------------------------------------------------------------

Array* array_named(SimState& s, const std::string& dev) {
  for (auto& a : s.arrays)
    if (a.device == dev) return &a;
  return nullptr;
}

// The array member whose LUN today's disk `dev` (/dev/sdX) is.
std::pair<Array*, Member*> member_on(SimState& s, const std::string& dev) {
  std::string d = strip_dev(dev);
  for (auto& a : s.arrays)
    for (auto& m : a.members)
      if (!d.empty() && s.disk_of(m.lun) == d) return {&a, &m};
  return {nullptr, nullptr};
}

bool device_ok(SimState& s, const std::string& dev) {
  std::string d = strip_dev(dev);
  return std::any_of(s.sessions.begin(), s.sessions.end(),
                     [&](const Session& x) { return x.disk == d && x.session_state == "LOGGED_IN"; });
}

bool array_open(const SimState& s, const Array& a) {
  for (const auto& v : s.vms)
    if (v.state == "running")
      for (const auto& d : v.disks)
        if (d.attached && d.source == a.device) return true;
  for (const auto& [host, mounts] : s.host_mounts)
    for (const auto& m : mounts)
      if (m.mounted && m.device == a.device) return true;
  return false;
}

void start_rebuild(SimState& s, Array& a, Member& m, int64_t copy_kib) {
  m.in_array = true;
  m.rdev = s.disk_of(m.lun);
  m.faulty = false;
  m.in_sync = false;
  m.superblock_ok = true;
  m.write_error = false;
  if (!a.resync) {
    Resync r;
    r.total_kib = a.size_kib;
    r.copy_kib = std::max<int64_t>(copy_kib, 1);
    r.lun = m.lun;
    a.resync = r;
  }
  md_event(s, a);
}

Rendered mdadm_manage(SimState& s, const Argv& a, Array& arr) {
  std::string op = a.size() >= 4 ? a[a.size() - 2] : "";
  std::string dev = a.back();
  if (op == "--remove") {
    int n = 0;
    for (auto& m : arr.members) {
      bool pick = (dev == "failed" && m.faulty) ||
                  (dev == "detached" && m.in_array && s.disk_of(m.lun).empty()) ||
                  (s.rdev_name(m) == strip_dev(dev) && m.faulty);
      if (!pick || !m.in_array) continue;
      m.in_array = false;
      m.faulty = false;
      ++n;
    }
    if (n == 0 && dev != "failed" && dev != "detached")
      return fail(fmt::format("mdadm: hot remove failed for {}: Device or resource busy\n", dev));
    if (n) md_event(s, arr);
    return ok(n ? fmt::format("mdadm: hot removed {} from {}\n", dev, arr.device) : "");
  }
  if (op == "--re-add" || op == "--add") {
    if (arr.state != "active") return fail(fmt::format("mdadm: {} is not active\n", arr.device));
    if (!device_ok(s, dev))
      return fail(fmt::format("mdadm: cannot open {}: No such device or address\n", dev));
    auto [owner, m] = member_on(s, dev);
    if (!m || owner != &arr)
      return fail(fmt::format("mdadm: {} is not a member of {} in this topology\n", dev, arr.device));
    if (m->in_array && !m->faulty)
      return fail(fmt::format("mdadm: Cannot open {}: Device or resource busy\n", dev));
    if (m->in_array && m->faulty)  // its old slot is still held by the failed rdev (lab: S1)
      return fail(
          op == "--re-add"
              ? fmt::format("mdadm: --re-add for {} to {} is not possible\n", dev, arr.device)
              : fmt::format("mdadm: {} reports being an active member for {}, but a --re-add fails.\n", dev,
                            arr.device));
    bool slot_free = std::none_of(arr.members.begin(), arr.members.end(), [&](const Member& x) {
      return &x != m && x.in_array && !x.faulty && x.role == m->role;
    });
    bool re_add_possible = m->superblock_ok && arr.bitmap && slot_free && m->events <= arr.events;
    if (re_add_possible) {
      if (m->held > arr.generation) {
        s.data_loss.push_back(fmt::format("re-add of {} (generation {}) into {} serving generation {}", dev,
                                          m->held, arr.name, arr.generation));
      }
      start_rebuild(s, arr, *m, m->dirty_kib);
      m->held = std::min(m->held, arr.generation);
      return ok(fmt::format("mdadm: re-added {}\n", dev));
    }
    if (op == "--re-add")
      return fail(fmt::format("mdadm: --re-add for {} to {} is not possible\n", dev, arr.device));
    if (m->superblock_ok)
      return fail(
          fmt::format("mdadm: {} reports being an active member for {}, but a --re-add fails.\nmdadm: not "
                      "performing --add as that would convert {} in to a spare.\nmdadm: To make this a "
                      "spare, use \"mdadm --zero-superblock {}\" first.\n",
                      dev, arr.device, dev, dev));
    m->held = 0;
    start_rebuild(s, arr, *m, arr.size_kib);
    return ok(fmt::format("mdadm: added {}\n", dev));
  }
  return fail("mdadm: unsupported manage operation\n", 2);
}

Rendered mdadm_assemble(SimState& s, const Argv& a) {
  // mdadm --assemble DEV [--force] [--run] [--update=force-no-bbl] MEMBER...
  Array* arr = a.size() >= 3 ? array_named(s, a[2]) : nullptr;
  if (!arr) return fail("mdadm: no such array\n");
  if (arr->state == "active") return fail(fmt::format("mdadm: {} is already in use.\n", arr->device));
  std::vector<Member*> given;
  for (size_t i = 3; i < a.size(); ++i) {
    if (text::starts_with(a[i], "--")) continue;
    auto [owner, m] = member_on(s, a[i]);
    if (!device_ok(s, a[i]))
      return fail(fmt::format("mdadm: cannot open device {}: No such device or address\n", a[i]));
    if (!m || owner != arr) return fail(fmt::format("mdadm: {} is not part of {}\n", a[i], arr->device));
    if (!m->superblock_ok)
      return fail(fmt::format(
          "mdadm: no recogniseable superblock on {}\nmdadm: {} has no superblock - assembly aborted\n", a[i],
          a[i]));
    given.push_back(m);
  }
  if (given.empty()) return fail("mdadm: No devices listed\n");
  int64_t fresh = 0;
  for (auto* m : given) fresh = std::max(fresh, m->events);
  for (auto& m : arr->members) m.in_array = false;
  int used = 0;
  std::string out;
  for (auto* m : given) {
    if (m->events < fresh && !argv_has(a, "--force")) {
      out += fmt::format("mdadm: kicking non-fresh {} from array\n", s.disk_of(m->lun));
      continue;
    }
    m->in_array = true;
    m->rdev = s.disk_of(m->lun);
    m->faulty = false;
    m->in_sync = true;
    m->write_error = false;  // WriteErrorSeen is a runtime flag of the old assembly
    if (argv_has(a, "--update=force-no-bbl")) m->bad_blocks.clear();
    ++used;
  }
  if (used < arr->raid_disks && !argv_has(a, "--run")) {
    for (auto* m : given) m->in_array = m->events == fresh;
    arr->state = "inactive";
    return fail(
        out +
        fmt::format("mdadm: {} assembled from {} drive - need all {} to start it (use --run to insist).\n",
                    arr->device, used, arr->raid_disks));
  }
  // The array serves the freshest included member's data; --force on a stale member overwrites.
  int64_t gen = 0;
  for (auto* m : given)
    if (m->in_array) gen = std::max(gen, m->held);
  for (auto* m : given)
    if (m->in_array && m->held != gen) {
      s.data_loss.push_back(fmt::format("--force assembled {} (generation {}) as in sync with generation {}",
                                        s.disk_of(m->lun), m->held, gen));
      m->held = gen;
    }
  arr->generation = gen;
  arr->state = "active";
  arr->broken = false;
  arr->resync.reset();
  md_event(s, *arr);
  return ok(out + fmt::format("mdadm: {} has been started with {} drive{} (out of {}).\n", arr->device, used,
                              used == 1 ? "" : "s", arr->raid_disks));
}

Rendered mdadm(SimState& s, const Argv& a) {
  if (a.size() >= 4 && (a[1] == "--manage" || array_named(s, a[1]))) {
    Array* arr = array_named(s, a[1] == "--manage" ? a[2] : a[1]);
    if (!arr) return fail(fmt::format("mdadm: error opening {}: No such file or directory\n", a[2]));
    return mdadm_manage(s, a, *arr);
  }
  if (a.size() == 3 && a[1] == "--stop") {
    Array* arr = array_named(s, a[2]);
    if (!arr || arr->state == "stopped")
      return fail(fmt::format("mdadm: error opening {}: No such file or directory\n", a[2]));
    if (arr->state == "active" && array_open(s, *arr))
      return fail(
          fmt::format("mdadm: Cannot get exclusive access to {}:Perhaps a running process, mounted "
                      "filesystem or active volume group?\n",
                      a[2]));
    arr->state = "stopped";
    arr->resync.reset();
    for (auto& m : arr->members) {
      m.in_array = false;
      if (!m.in_sync) m.held = 0;  // an unfinished rebuild leaves a partial copy
    }
    s.klog(s.kvm_host, fmt::format("md: {} stopped.", arr->name), 1.0, 6);
    return ok(fmt::format("mdadm: stopped {}\n", a[2]));
  }
  if (text::starts_with(a[1], "--assemble")) return mdadm_assemble(s, a);
  // mdadm --grow --bitmap=internal|none DEVICE: adds or removes the write-intent bitmap online.
  if (a.size() == 4 && a[1] == "--grow" && text::starts_with(a[2], "--bitmap=")) {
    Array* arr = array_named(s, a[3]);
    if (!arr || arr->state != "active")
      return fail(fmt::format("mdadm: error opening {}: No such file or directory\n", a[3]));
    std::string want = a[2].substr(9);
    if (want == "internal" && arr->bitmap) return fail("mdadm: bitmap already present on " + a[3] + "\n");
    if (want == "none" && !arr->bitmap) return fail("mdadm: no bitmap found on " + a[3] + "\n");
    if (want != "internal" && want != "none") return fail("mdadm: unsupported bitmap " + want + "\n", 2);
    arr->bitmap = want == "internal";
    return ok();
  }
  if (a.size() == 3 && a[1] == "--zero-superblock") {
    auto [arr, m] = member_on(s, a[2]);
    if (m && m->in_array && !m->faulty)
      return fail(fmt::format("mdadm: Couldn't open {} for write - not zeroing\n", a[2]));
    if (m) {
      m->superblock_ok = false;
      m->held = 0;
    }
    return ok();
  }
  if (a[1] == "--create") {
    for (auto& arr : s.arrays)
      if (arr.device == a[2]) {
        arr.generation = 0;
        for (auto& m : arr.members) m.held = 0;
        arr.state = "active";
      }
    return ok();
  }
  return fail("mdadm: unsupported invocation\n", 2);
}

// Debian's checkarray DEVICE: starts md's consistency check (sync_action = check), as the
// monthly cron job does; refused while the array is resyncing or not running.
Rendered checkarray(SimState& s, const Argv& a) {
  Array* arr = array_named(s, a.back());
  if (!arr || arr->state != "active")
    return fail(fmt::format("checkarray: E: {}: not an active array\n", a.back()), 1);
  if (arr->resync)
    return fail(fmt::format("checkarray: W: array {} not idle, skipping...\n", arr->kernel_name()), 0);
  Resync r;
  r.action = "check";
  r.total_kib = r.copy_kib = arr->size_kib;
  r.speed_kib = 200000;
  arr->resync = r;
  arr->mismatch_cnt = 0;
  s.klog(s.kvm_host, fmt::format("md: data-check of RAID array {}", arr->kernel_name()), 1.0, 6);
  return ok();
}

Rendered wipefs(SimState& s, const Argv& a) {
  auto [arr, m] = member_on(s, a.back());
  if (m && m->in_array && !m->faulty)
    return fail(
        fmt::format("wipefs: error: {}: probing initialization failed: Device or resource busy\n", a.back()));
  if (m) {
    m->superblock_ok = false;
    m->held = 0;
  }
  return ok();
}

// --- KVM host: libvirt --------------------------------------------------------------------

Rendered virsh(SimState& s, const Argv& a) {
  Vm* v = a.size() >= 3 ? s.vm(a[2]) : nullptr;
  if (!v) return fail(fmt::format("error: failed to get domain '{}'\n", a.size() >= 3 ? a[2] : ""));
  if (a[1] == "attach-disk" && a.size() >= 5) {
    for (auto& d : v->disks)
      if (d.target == a[4]) {
        if (d.attached)
          return fail(fmt::format(
              "error: Failed to attach disk\nerror: operation failed: target {} already exists\n", a[4]));
        d.attached = true;
        d.source = a[3];
        return ok("Disk attached successfully\n\n");
      }
    v->disks.push_back({a[4], a[3], true});
    return ok("Disk attached successfully\n\n");
  }
  if (a[1] == "detach-disk" && a.size() >= 4) {
    for (auto& d : v->disks)
      if (d.target == a[3] && d.attached) {
        d.attached = false;
        return ok("Disk detached successfully\n\n");
      }
    return fail(fmt::format("error: No disk found whose source path or target is {}\n", a[3]));
  }
  if (a[1] == "resume") {
    if (v->state != "paused")
      return fail("error: Failed to resume domain '" + v->name +
                  "'\nerror: Requested operation is not valid: domain is not running\n");
    v->state = "running";
    v->reason = "unpaused";
    return ok(fmt::format("Domain '{}' resumed\n\n", v->name));
  }
  if (a[1] == "suspend") {  // the admin's pause
    if (v->state != "running")
      return fail("error: Failed to suspend domain '" + v->name +
                  "'\nerror: Requested operation is not valid: domain is not running\n");
    v->state = "paused";
    v->reason = "user";
    return ok(fmt::format("Domain '{}' suspended\n\n", v->name));
  }
  if (a[1] == "start") {
    if (v->state == "running" || v->state == "paused")  // a paused domain is active
      return fail("error: Failed to start domain '" + v->name +
                  "'\nerror: Requested operation is not valid: domain is already running\n");
    v->state = "running";
    v->reason = "booted";
    return ok(fmt::format("Domain '{}' started\n\n", v->name));
  }
  return fail("error: unknown command\n");
}

// --- inside a VM --------------------------------------------------------------------------

Vm* vm_of_guest(SimState& s, const std::string& host) {
  for (const auto& vc : s.topology.vms)
    if (vc.guest == host) return s.vm(vc.name);
  return nullptr;
}

// Is the guest's block device usable (attached, and the array or LUN under it serving)? On a
// KVM host, an array's own device: is the array serving?
bool guest_device_ok(SimState& s, const std::string& host, const std::string& device) {
  if (host == s.kvm_host)
    for (auto& a : s.arrays)
      if (a.device == device) return a.state == "active" && !a.broken;
  for (const auto& vc : s.topology.vms) {
    if (vc.guest != host) continue;
    Vm* v = s.vm(vc.name);
    for (const auto& dc : vc.disks) {
      if (dc.guest_device != device) continue;
      bool attached = v && std::any_of(v->disks.begin(), v->disks.end(),
                                       [&](const VmDisk& d) { return d.target == dc.target && d.attached; });
      if (!attached) return false;
      if (Array* a = s.array(dc.source)) return a->state == "active" && !a->broken;
      if (const LunConfig* l = s.topology.lun(dc.source)) return s.io_path_fault(*l).empty();
    }
  }
  return false;
}

// e2fsck -n -f: the read-only check. It opens the device read-only and changes nothing, so it
// runs on a mounted filesystem too (e2fsck warns and goes on); a journal left to replay is
// skipped, not an error; damaged metadata is exit 4 (errors left uncorrected).
Rendered e2fsck_check(SimState& s, const std::string& host, const Argv& a, const GuestMount* m) {
  if (!guest_device_ok(s, host, a[3]))
    return fail(fmt::format("e2fsck: Input/output error while trying to open {}\n", a[3]), 8);
  std::string out = "e2fsck 1.47.0 (5-Feb-2023)\n";
  if (m && m->mounted) out += fmt::format("Warning!  {} is mounted.\n", a[3]);
  if (m && m->needs_fsck)
    out += "Warning: skipping journal recovery because doing a read-only filesystem check.\n";
  out += "Pass 1: Checking inodes, blocks, and sizes\n";
  if (m && m->damaged) {
    out +=
        "Inode 12 has illegal block(s).  Clear? no\n\nIllegal block #0 (4294967295) in inode 12.  "
        "IGNORED.\n";
    out +=
        "Pass 2: Checking directory structure\nPass 3: Checking directory connectivity\nPass 4: Checking "
        "reference counts\nPass 5: Checking group summary information\n\n" +
        a[3] + ": ********** WARNING: Filesystem still has errors **********\n\n";
    return {out, "", 4};
  }
  out +=
      "Pass 2: Checking directory structure\nPass 3: Checking directory connectivity\nPass 4: Checking "
      "reference counts\nPass 5: Checking group summary information\n";
  return {out, "", 0};
}

// e2fsck -fy: the repair, refused on a mounted filesystem; replays the journal, clears bad inodes.
Rendered e2fsck_repair(SimState& s, const std::string& host, const Argv& a, GuestMount* m) {
  if (m && m->mounted)
    return fail(fmt::format("{} is mounted.\ne2fsck: Cannot continue, aborting.\n\n\n", a[2]), 8);
  if (!guest_device_ok(s, host, a[2]))
    return fail(fmt::format("e2fsck: Input/output error while trying to open {}\n", a[2]), 8);
  bool replayed = m && m->needs_fsck, repaired = m && m->damaged;
  bool fixed = replayed || repaired;
  if (m) m->needs_fsck = m->damaged = false;
  std::string out = fmt::format(
      "e2fsck 1.47.0 (5-Feb-2023)\n{}Pass 1: Checking inodes, blocks, and sizes\n{}Pass 2: Checking "
      "directory "
      "structure\nPass 3: Checking directory connectivity\nPass 4: Checking reference counts\nPass 5: "
      "Checking "
      "group summary information\n{}",
      replayed ? a[2] + ": recovering journal\n" : "",
      repaired ? "Inode 12 has illegal block(s).  Clear? yes\n\nIllegal block #0 (4294967295) in inode 12.  "
                 "CLEARED.\n"
               : "",
      fixed ? "\n" + a[2] + ": ***** FILE SYSTEM WAS MODIFIED *****\n" : "");
  return {out, "", fixed ? 1 : 0};
}

Rendered guest(SimState& s, const std::string& host, const Argv& a) {
  Vm* v = vm_of_guest(s, host);
  auto h = s.host_mounts.find(host);
  if (!v && h == s.host_mounts.end()) return fail("no such guest\n");
  std::vector<GuestMount>& mounts = v ? v->mounts : h->second;
  auto mount_at = [&](const std::string& x) -> GuestMount* {
    for (auto& m : mounts)
      if (m.mountpoint == x || m.device == x) return &m;
    return nullptr;
  };
  if (a[0] == "umount" && a.size() == 2) {
    GuestMount* m = mount_at(a[1]);
    if (!m || !m->mounted) return fail(fmt::format("umount: {}: not mounted.\n", a[1]), 32);
    m->mounted = false;
    return ok();
  }
  if (a[0] == "e2fsck" && a.size() == 4 && a[1] == "-n" && a[2] == "-f")
    return e2fsck_check(s, host, a, mount_at(a[3]));
  if (a[0] == "e2fsck" && a.size() == 3 && a[1] == "-fy") return e2fsck_repair(s, host, a, mount_at(a[2]));
  if (a[0] == "mount" && a.size() == 4 && a[1] == "-o" && a[2] == "remount,rw") {
    GuestMount* m = mount_at(a[3]);
    if (!m || !m->mounted)
      return fail(fmt::format("mount: {}: mount point not mounted or bad option.\n", a[3]), 32);
    if (m->needs_fsck || !guest_device_ok(s, host, m->device))
      return fail(
          fmt::format("mount: {}: cannot remount {} read-write, is write-protected.\n", a[3], m->device), 32);
    m->read_only = false;
    return ok();
  }
  if (a[0] == "mount" && a.size() == 3) {
    GuestMount* m = mount_at(a[2]);
    if (!m) return fail(fmt::format("mount: {}: mount point does not exist.\n", a[2]), 32);
    if (m->mounted)
      return fail(fmt::format("mount: {}: {} already mounted on {}.\n", a[2], m->device, a[2]), 32);
    if (!guest_device_ok(s, host, a[1]))
      return fail(fmt::format("mount: {}: can't read superblock on {}.\n", a[2], a[1]), 32);
    m->mounted = true;
    m->read_only = m->needs_fsck;  // ext4 with errors=remount-ro and a dirty journal
    m->shut_down = false;
    s.klog(host,
           fmt::format("EXT4-fs ({}): mounted filesystem with ordered data mode. Quota mode: none.",
                       a[1].substr(a[1].rfind('/') + 1)),
           0.001, 6);
    return ok();
  }
  return fail(a[0] + ": unsupported invocation\n", 1);
}

}  // namespace

namespace {

// The argv as the tool's getopt leaves it: a "--" that ends the options is not an argument
// (stackdr's plans end options with it wherever the tool allows, so no name can become one).
Argv without_end_of_options(const Argv& argv) {
  static const std::set<std::string> getopt_tools = {"umount", "mount", "e2fsck",
                                                     "zfs",    "zpool", "systemctl"};
  Argv a = argv;
  if (!a.empty() && getopt_tools.count(a[0]))
    if (auto dd = std::find(a.begin() + 1, a.end(), "--"); dd != a.end()) a.erase(dd);
  return a;
}

// POOL/ZVOL@NAME: the zvol and the name after '@' when that snapshot exists, else nullptr.
std::pair<const Zvol*, std::string> find_snapshot(const SimState& s, const std::string& full) {
  size_t at = full.find('@');
  const Zvol* z = at == std::string::npos ? nullptr : s.zvol(full.substr(0, at));
  std::string name = at == std::string::npos ? "" : full.substr(at + 1);
  return {z && z->snapshots.count(name) ? z : nullptr, name};
}

// zfs snapshot POOL/ZVOL@NAME: as zfs answers, including for a name already taken.
Rendered zfs_snapshot(SimState& s, const std::string& full) {
  size_t at = full.find('@');
  Zvol* z = at == std::string::npos ? nullptr : s.zvol(full.substr(0, at));
  if (!z) return fail(fmt::format("cannot open '{}': dataset does not exist\n", full.substr(0, at)));
  if (!z->snapshots.insert(full.substr(at + 1)).second)
    return fail(fmt::format("cannot create snapshot '{}': dataset already exists\n", full));
  return ok();
}

// zfs hold TAG POOL/ZVOL@NAME: as zfs answers, including for a tag the snapshot holds already.
Rendered zfs_hold(SimState& s, const std::string& tag, const std::string& full) {
  auto [z, name] = find_snapshot(s, full);
  if (!z) return fail(fmt::format("cannot hold snapshot '{}': dataset does not exist\n", full));
  if (!s.zvol(z->name)->holds[name].emplace(tag, s.now).second)
    return fail(fmt::format("cannot hold snapshot '{}': tag already exists on this dataset\n", full));
  return ok();
}

}  // namespace

Rendered zfs_holds(const SimState& s, const std::string& full) {
  auto [z, name] = find_snapshot(s, full);
  if (!z) return fail(fmt::format("cannot open '{}': dataset does not exist\n", full));
  std::string out;
  if (auto h = z->holds.find(name); h != z->holds.end())
    for (const auto& [tag, when] : h->second) out += fmt::format("{}\t{}\t{}\n", full, tag, when);
  return {out, "", 0};
}

Rendered zfs_list_snapshot(const SimState& s, const std::string& full) {
  if (!find_snapshot(s, full).first)
    return fail(fmt::format("cannot open '{}': dataset does not exist\n", full));
  return {full + "\n", "", 0};
}

std::optional<Rendered> run_state_command(SimState& s, const std::string& host, const Argv& argv) {
  const Argv a = without_end_of_options(argv);
  if (a.size() < 2 && !(a.size() == 1 && a[0] == "true")) return std::nullopt;
  std::optional<Rendered> r;
  const std::string& c = a[0];
  if (host == s.storage_host) {
    if (c == "targetcli" && !(a.size() == 2 && a[1] == "ls"))
      r = targetcli(s, a);
    else if (c == "systemctl" && a.size() == 3 && (a[1] == "enable" || a[1] == "disable") &&
             a[2] == s.topology.storage.service + ".service") {
      s.target_unit_enabled = a[1] == "enable";
      r = ok();
    } else if (c == "systemctl" && a.size() == 3 && a[2] == "target")
      r = target_service(s, a);
    else if (c == "targetctl" && a.size() == 2)
      r = target_service(s, a);
    else if (c == "zpool" && (a[1] == "clear" || a[1] == "scrub" || a[1] == "replace"))
      r = zpool(s, a);
    else if (c == "smartctl" && a.size() == 4 && a[1] == "-t" && a[2] == "long")
      r = std::any_of(s.pool.disks.begin(), s.pool.disks.end(),
                      [&](const PoolDisk& d) { return "/dev/disk/by-id/" + d.name == a[3]; })
              ? ok("=== START OF OFFLINE IMMEDIATE AND SELF-TEST SECTION ===\nSending command: \"Execute "
                   "SMART "
                   "Extended self-test routine immediately in off-line mode\".\nDrive command \"Execute "
                   "SMART "
                   "Extended self-test routine immediately in off-line mode\" successful.\nTesting has "
                   "begun.\n")
              : fail(fmt::format("Smartctl open device: {} failed: No such device\n", a[3]), 2);
    else if (c == "zfs" && a[1] == "set" && std::find(argv.begin(), argv.end(), "--") != argv.end())
      r = fail("invalid option '-'\n", 2);  // OpenZFS 2.1's zfs set has no getopt: "--" is refused
    else if (c == "zfs" && a[1] == "set")
      r = zfs_set(s, a);
    else if (c == "zfs" && a[1] == "create" && argv_has(a, "-V"))
      r = zfs_create(s, a);
    else if (c == "zfs" && a[1] == "rename" && a.size() >= 4)
      r = zfs_rename(s, a);
    else if (c == "zfs" && a[1] == "snapshot" && a.size() == 3)
      r = zfs_snapshot(s, a[2]);
    else if (c == "zfs" && a[1] == "hold" && a.size() == 4)
      r = zfs_hold(s, a[2], a[3]);
    else if (c == "udevadm")
      r = ok();
  } else if (host == s.kvm_host) {
    if (c == "iscsiadm" && (argv_has(a, "--login") || argv_has(a, "-l") || argv_has(a, "--logout") ||
                            argv_has(a, "-u") || argv_has(a, "--rescan") || argv_has(a, "-R") ||
                            argv_has(a, "update") || argv_after(a, "-m") == "discovery"))
      r = iscsiadm(s, a);
    else if (c == "mdadm" && a[1] != "--detail" && a[1] != "--examine" && a[1] != "--examine-badblocks")
      r = mdadm(s, a);
    else if (c == "wipefs")
      r = wipefs(s, a);
    else if (c == "/usr/share/mdadm/checkarray")
      r = checkarray(s, a);
    else if (c == "virsh" && (a[1] == "attach-disk" || a[1] == "detach-disk" || a[1] == "start" ||
                              a[1] == "resume" || a[1] == "suspend"))
      r = virsh(s, a);
    else if (c == "umount" || c == "e2fsck" || c == "mount")
      r = guest(s, host, a);
  } else if (c == "umount" || c == "e2fsck" || c == "mount") {
    r = guest(s, host, a);
  }
  if (!r) return std::nullopt;
  s.now += 1;
  settle(s);
  account_data_loss(s, describe_argv(a));
  return r;
}

}  // namespace stackdr::sim
