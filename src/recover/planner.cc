#include "recover/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <functional>

#include "util/text.h"

namespace stackdr {

namespace {

// ---- reading the View ----------------------------------------------------------------------
// md facts come from the View's typed MdArrayState: one identity per array and member, and
// every fact three-valued, so "not read" is never taken for "not there".

const MdMemberState* member_state(const View& v, const ArrayConfig& a, const std::string& lun) {
  return v.array(a).member(lun);
}

// ---- conditions ------------------------------------------------------------------------------

Check node_ok(std::string id) {
  return [id](const View& v) { return v.not_ok(id); };
}

Check member_serving(const ArrayConfig& a, const std::string& lun) {
  return [&a, lun](const View& v) -> std::string {
    const MdMemberState* m = member_state(v, a, lun);
    if (!m || m->in_array == Seen::kUnknown) return fmt::format("not known whether {} is in {}", lun, a.name);
    if (m->in_array == Seen::kNo) return fmt::format("{} is not in {}", lun, a.name);
    if (m->slot && m->slot->faulty) return fmt::format("{} is faulty in {}", lun, a.name);
    return "";
  };
}

Check no_failed_members(const ArrayConfig& a) {
  return [&a](const View& v) -> std::string {
    const MdArrayState& st = v.array(a);
    if (st.assembled == Seen::kUnknown) return "not known whether " + a.name + " has failed members";
    for (const auto& x : st.slots)
      if (x.faulty) return fmt::format("{} still lists {} as faulty", a.name, x.device);
    return "";
  };
}

Check array_in_sync(const ArrayConfig& a, std::string id) {
  return [&a, id](const View& v) -> std::string {
    const MdArrayState& st = v.array(a);
    if (st.assembled != Seen::kYes || !st.active) return a.name + " is not active";
    if (st.sync) return fmt::format("{} is still in {}", a.name, st.sync->action);
    return v.not_ok(id);
  };
}

Check array_stopped(const ArrayConfig& a) {
  return [&a](const View& v) -> std::string {
    switch (v.array(a).assembled) {
      case Seen::kNo:
        return "";
      case Seen::kYes:
        return a.name + " is still assembled";
      case Seen::kUnknown:
        break;
    }
    return "not known whether " + a.name + " is stopped";
  };
}

Check array_active_not_broken(const ArrayConfig& a) {
  return [&a](const View& v) -> std::string {
    const MdArrayState& st = v.array(a);
    if (st.assembled != Seen::kYes || !st.active) return a.name + " is not active";
    if (st.broken == Seen::kUnknown) return "not known whether " + a.name + " is broken";
    return st.broken == Seen::kYes ? a.name + " is broken" : "";
  };
}

// Whether a filesystem is mounted: kUnknown when its host's mounts were not read.
Seen mounted(const View& v, const FilesystemSite& f) {
  auto g = v.observation.guests.find(f.host);
  if (g == v.observation.guests.end() || !g->second.mounts) return Seen::kUnknown;
  return g->second.mounts->at(f.mountpoint) ? Seen::kYes : Seen::kNo;
}

Check fs_unmounted(const FilesystemSite& f) {
  return [f](const View& v) -> std::string {
    switch (mounted(v, f)) {
      case Seen::kNo:
        return "";
      case Seen::kYes:
        return f.mountpoint + " is mounted";
      case Seen::kUnknown:
        break;
    }
    return "not known whether " + f.mountpoint + " is mounted on " + f.host;
  };
}

Check vm_disk_detached(const VmConfig& vm, const VmDiskConfig& d) {
  return [&vm, &d](const View& v) -> std::string {
    const Node* n = v.node(node_id::vm_disk(vm, d));
    if (!n || n->health == Health::kUnknown) return "not known whether " + d.target + " is attached";
    return n->cause == Cause::kVmDiskDetached ? "" : d.target + " is attached";
  };
}

// ---- what a finding is about ----------------------------------------------------------------

struct Subject {
  const LunConfig* lun = nullptr;
  const ArrayConfig* array = nullptr;
  std::string member;  // LUN name of an array member
  const VmConfig* vm = nullptr;
  const VmDiskConfig* vm_disk = nullptr;
  std::optional<FilesystemSite> fs;
  std::string pool_disk;
};

Subject subject_of(const Topology& t, const std::string& root) {
  Subject s;
  const std::string& kvm = t.initiator.host;
  for (const auto& l : t.luns)
    if (root == node_id::lun(l) || root == node_id::backstore(t.storage.host, l) ||
        root == node_id::zvol(l.zvol) || root == node_id::session(kvm, l, t.portal_of(l)) ||
        root == node_id::iscsi_disk(kvm, l))
      s.lun = &l;
  for (const auto& a : t.arrays) {
    if (root == node_id::array(a)) s.array = &a;
    if (!a.mountpoint.empty() && root == node_id::filesystem(site_of(a))) {
      s.array = &a;
      s.fs = site_of(a);
    }
    for (const auto& m : a.members)
      if (root == node_id::member(a, m)) {
        s.array = &a;
        s.member = m;
        s.lun = t.lun(m);
      }
  }
  for (const auto& vm : t.vms) {
    if (root == node_id::vm(vm)) s.vm = &vm;
    for (const auto& d : vm.disks)
      if (root == node_id::vm_disk(vm, d) || root == node_id::filesystem(vm, d)) {
        s.vm = &vm;
        s.vm_disk = &d;
        if (root == node_id::filesystem(vm, d)) s.fs = site_of(vm, d);
      }
  }
  std::string prefix = node_id::pool_disk(t.storage.pool, "");
  if (text::starts_with(root, prefix)) s.pool_disk = root.substr(prefix.size());
  return s;
}

// VM disks whose source is this array.
std::vector<std::pair<const VmConfig*, const VmDiskConfig*>> consumers(const Topology& t,
                                                                       const ArrayConfig& a) {
  std::vector<std::pair<const VmConfig*, const VmDiskConfig*>> out;
  for (const auto& vm : t.vms)
    for (const auto& d : vm.disks)
      if (d.source == a.name) out.push_back({&vm, &d});
  return out;
}

std::string disk_word(const std::string& lun) {
  return "{disk:" + lun + "}";
}

// ---- plans ------------------------------------------------------------------------------

// The disk a `zpool replace` is resilvering onto in place of `disk` ("" = none under way): the
// other child of the replacing-N vdev that holds `disk`.
std::string replacing_with(const View& v, const std::string& disk) {
  const auto& z = v.observation.storage.zpool;
  if (!z) return "";
  std::function<std::string(const std::vector<ZpoolVdev>&)> walk = [&](const std::vector<ZpoolVdev>& vs) {
    for (const auto& x : vs) {
      if (text::starts_with(x.name, "replacing-")) {
        bool holds = std::any_of(x.children.begin(), x.children.end(),
                                 [&](const ZpoolVdev& c) { return c.name == disk; });
        if (holds)
          for (const auto& c : x.children)
            if (c.name != disk) return c.name;
      }
      if (auto w = walk(x.children); !w.empty()) return w;
    }
    return std::string();
  };
  for (const auto& p : z->pools)
    if (auto w = walk(p.root.children); !w.empty()) return w;
  return "";
}

// Whether a disk is part of the pool as the view read it (in any vdev, replacing included).
bool pool_has(const View& v, const std::string& disk) {
  const auto& z = v.observation.storage.zpool;
  if (!z) return false;
  std::function<bool(const std::vector<ZpoolVdev>&)> walk = [&](const std::vector<ZpoolVdev>& vs) {
    for (const auto& x : vs)
      if (x.name == disk || walk(x.children)) return true;
    return false;
  };
  for (const auto& p : z->pools)
    if (walk(p.root.children)) return true;
  return false;
}

// Where the pool's last scrub stands, for the step that follows one to its end.
struct ScrubState {
  std::string waiting;  // "" = finished clean
  std::string failed;   // non-empty: finished with errors (or stopped)
};
ScrubState scrub_state(const View& v, const std::string& pool) {
  const auto& z = v.observation.storage.zpool;
  if (!z) return {"zpool status was not read", ""};
  for (const auto& p : z->pools) {
    if (p.name != pool) continue;
    if (!p.scan_kind.empty())
      return {fmt::format("{} {:.2f}% done", p.scan_kind, p.scan_percent.value_or(0)), ""};
    // "scrub repaired 0B in 00:00:01 with 0 errors on Sun Dec  6 14:31:07 2026"
    if (text::starts_with(p.scan, "scrub repaired")) {
      if (p.scan.find(" with 0 errors") != std::string::npos) return {"", ""};
      return {p.scan, fmt::format("the scrub found errors ({}): `zpool status -v {}` lists the damaged "
                                  "files",
                                  p.scan, pool)};
    }
    if (text::starts_with(p.scan, "scrub canceled"))
      return {p.scan, "the scrub was canceled (" + p.scan + ")"};
    return {"no scrub has run since: " + (p.scan.empty() ? std::string("none") : p.scan), ""};
  }
  return {"pool " + pool + " is not in zpool status", ""};
}

class Planner {
 public:
  Planner(const Topology& t, const View& v, const PlanContext& c) : t_(t), v_(v), c_(c) {}

  Plan plan(const Finding& f) {
    p_.scenario = f.scenario;
    p_.cause = f.cause;
    p_.root = f.root;
    p_.summary = f.summary;
    Subject s = subject_of(t_, f.root);
    const Cause c = f.cause;
    if (c == Cause::kZvolMissing && s.lun)
      zvol(*s.lun);
    else if (c == Cause::kZvolRenamed && s.lun)
      zvol_back(*s.lun);
    else if ((c == Cause::kBackstoreMissing || c == Cause::kBackstoreWrongDevice) && s.lun)
      backstore(*s.lun, c);
    else if (c == Cause::kLunMissing && s.lun)
      lun(*s.lun);
    else if (c == Cause::kAclMissing && s.lun)
      acl(*s.lun);
    else if (c == Cause::kTargetNotListening)
      target_service();
    else if (c == Cause::kPortalUnreachable)
      network(f.root);
    else if ((c == Cause::kSessionDown || c == Cause::kDiskMissing || c == Cause::kDiskOffline) && s.lun)
      session(*s.lun, c);
    else if (s.array && v_.array(*s.array).assembled == Seen::kUnknown)
      p_.escalate = fmt::format("cannot tell whether {} is running: /proc/mdstat on {} was not read",
                                s.array->name, s.array->host);
    else if (s.array && (v_.array(*s.array).broken == Seen::kYes || c == Cause::kArrayBroken))
      broken_array(*s.array);
    else if (s.array && !array_running(*s.array))
      reassemble(*s.array, c == Cause::kSuperblockInvalid ? s.member : "");
    else if ((c == Cause::kMemberFaulty || c == Cause::kMemberMissing || c == Cause::kEventsMismatch ||
              c == Cause::kWriteErrors || c == Cause::kBadBlocks || c == Cause::kSuperblockInvalid) &&
             s.array && !s.member.empty())
      member(*s.array, s.member);
    else if ((c == Cause::kArrayDegraded || c == Cause::kRebuilding) && s.array)
      wait_resync(*s.array);
    else if ((c == Cause::kVdevFaulted || c == Cause::kVdevDegraded || c == Cause::kVdevErrors) &&
             !s.pool_disk.empty())
      pool_disk(s.pool_disk, c);
    else if (c == Cause::kVmDiskDetached && s.vm && s.vm_disk)
      vm_disk(*s.vm, *s.vm_disk);
    else if ((c == Cause::kFsReadonly || c == Cause::kFsNotMounted) && s.fs)
      filesystem(*s.fs, c);
    else if (c == Cause::kVmNotRunning && s.vm)
      vm_start(*s.vm);
    else
      p_.escalate = fmt::format("no automatic recovery for {} on {}: follow {} by hand", c, f.root_label,
                                f.runbook.empty() ? "the runbook" : f.runbook);
    return p_;
  }

 private:
  Step& add(std::string id, std::string title, std::string runbook, std::string host, Safety safety,
            Argv argv, std::string done_when, Check done, int settle_s = 30) {
    Step s;
    s.id = std::move(id);
    s.title = std::move(title);
    s.runbook = std::move(runbook);
    s.host = std::move(host);
    s.safety = safety;
    s.argv = std::move(argv);
    s.done_when = std::move(done_when);
    s.done = std::move(done);
    s.settle_s = settle_s;
    p_.steps.push_back(std::move(s));
    return p_.steps.back();
  }

  // Scenario 1, Step 1: "If zvol missing".
  void zvol(const LunConfig& l) {
    const std::string& h = t_.storage.host;
    add("zfs.volmode:" + l.zvol, fmt::format("expose zvol {} again (volmode=dev)", l.zvol),
        "Scenario 1, Step 1: if zvol missing (fix volmode)", h, Safety::kSafe,
        // No "--": OpenZFS 2.1's `zfs set` takes no options and refuses it (found on the lab's
        // real pool); a dataset name begins with its pool's letter (name_rules), so it cannot be
        // read as an option.
        {"zfs", "set", "volmode=dev", l.zvol}, "the zvol has its device node", node_ok(node_id::zvol(l.zvol)))
        .rerun_safe = "setting a property to the value it has changes nothing";
    add("udev.trigger:" + l.zvol, "create the zvol's device node",
        "Scenario 1, Step 1: trigger device creation", h, Safety::kSafe,
        {"udevadm", "trigger", "--action=add", "--subsystem-match=block"}, "the zvol has its device node",
        node_ok(node_id::zvol(l.zvol)))
        .rerun_safe = "udev handles the same add event again and creates the same links";
  }

  // A LUN's zvol renamed away (found by its stackdr:lun property): renamed back, so the path
  // LIO's backstore was made with exists again. LIO kept the device open, so the initiator may
  // not have noticed; a restart of the target would not find it.
  void zvol_back(const LunConfig& l) {
    const Node* z = v_.node(node_id::zvol(l.zvol));
    if (!z || z->facts.renamed_to.empty()) {
      p_.escalate = "zvol " + l.zvol + " was renamed, but where to was not read again";
      return;
    }
    const std::string& moved = z->facts.renamed_to;
    Step& s = add("zfs.rename:" + l.zvol, fmt::format("rename {} back to {}", moved, l.zvol),
                  "Scenario 1, Step 1: if zvol missing (the backstore's device path)", t_.storage.host,
                  Safety::kDisruptive, {"zfs", "rename", "--", moved, l.zvol},
                  "the zvol has its name and device node again", node_ok(node_id::zvol(l.zvol)));
    s.predict =
        fmt::format("{} has stackdr:lun={}: it is the volume lun create made for {}", moved, l.name, l.name);
  }

  std::string serial_of(const LunConfig& l) {
    auto it = c_.known_serials.find(l.name);
    return it == c_.known_serials.end() ? "" : it->second;
  }

  void saveconfig() {
    add("lio.saveconfig", "save the LIO configuration so a reboot restores it",
        "Scenario 1, Step 1: (targetcli exit saves)", t_.storage.host, Safety::kSafe,
        {"targetcli", "saveconfig"}, "exit status 0", Check{})
        .rerun_safe = "it saves the same running configuration again";
  }

  void map_lun(const LunConfig& l) {
    add("lio.lun:" + l.name, fmt::format("map {} as LUN {} of {}", l.backstore(), l.lun, l.target),
        "Scenario 1, Step 1: recreate backstore (luns create)", t_.storage.host, Safety::kSafe,
        {"targetcli", fmt::format("/iscsi/{}/tpg1/luns", l.target), "create", "/backstores/" + l.backstore(),
         std::to_string(l.lun)},
        "the LUN is mapped", node_ok(node_id::lun(l)));
  }

  // Scenario 1, Step 1: "Recreate backstore" — with the serial it had, so the initiator's
  // /dev/disk/by-id names and md's view of the disk stay the same.
  void backstore(const LunConfig& l, Cause cause) {
    std::string dev = l.device.empty() ? "/dev/zvol/" + l.zvol : l.device;
    std::string serial = serial_of(l);
    if (cause == Cause::kBackstoreWrongDevice) {
      p_.escalate = fmt::format(
          "backstore {} points at another device than {}: check which data it serves "
          "before changing it (targetcli /backstores/{} delete, then recover)",
          l.backstore(), dev, l.backstore());
      return;
    }
    Argv argv = {"targetcli", "/backstores/" + l.backstore_type, "create", "name=" + l.backstore_name,
                 "dev=" + dev};
    if (!serial.empty()) argv.push_back("wwn=" + serial);
    Step& s = add("lio.backstore:" + l.name, fmt::format("recreate backstore {} on {}", l.backstore(), dev),
                  "Scenario 1, Step 1: recreate backstore", t_.storage.host, Safety::kSafe, argv,
                  "the backstore exists", node_ok(node_id::backstore(t_.storage.host, l)));
    s.predict = serial.empty()
                    ? "no serial was ever seen for it: the disk's WWN and /dev/disk/by-id name will change"
                    : "keeps unit serial " + serial + " (same WWN as before)";
    map_lun(l);
    saveconfig();
  }

  void lun(const LunConfig& l) {
    map_lun(l);
    saveconfig();
  }

  void acl(const LunConfig& l) {
    add("lio.acl:" + l.target, fmt::format("allow {} on {}", t_.initiator.iqn, l.target),
        "Scenario 1, Step 1: target configuration issue", t_.storage.host, Safety::kSafe,
        {"targetcli", fmt::format("/iscsi/{}/tpg1/acls", l.target), "create", t_.initiator.iqn},
        "the ACL exists", node_ok(node_id::lun(l)));
    saveconfig();
  }

  // Scenario 2, Step 1: "Verify iSCSI service listening".
  // Without systemd (storage.service: "") it runs what target.service runs.
  void target_service() {
    const std::string& unit = t_.storage.service;
    add("lio.start",
        unit.empty() ? std::string("restore the saved LIO configuration (targetctl restore)")
                     : fmt::format("start {}.service (restores the saved LIO configuration)", unit),
        "Scenario 2, Step 1: verify iSCSI service listening", t_.storage.host, Safety::kSafe,
        unit.empty() ? Argv{"targetctl", "restore"} : Argv{"systemctl", "start", "--", unit},
        "LIO is up and listening on the portal", node_ok(node_id::target_service(t_.storage.host)), 30);
  }

  // Scenario 2, Step 1: "Restore network" is physical work; stackdr waits and says so.
  void network(const std::string& root) {
    std::string portal = t_.storage.portal;
    for (const auto& p : t_.portals())
      if (root == node_id::path(t_.initiator.host, p)) portal = p;
    Step& s =
        add("net.wait:" + portal,
            fmt::format("wait for the storage network: {} must answer from {}", portal, t_.initiator.host),
            "Scenario 2, Step 1: restore network (cables, switch ports, interfaces)", t_.initiator.host,
            Safety::kRead, {}, "the portal answers", node_ok(node_id::path(t_.initiator.host, portal)), 3600);
    s.predict = "operator action: restore the network; stackdr re-logs in and repairs the arrays after it";
  }

  // Scenario 1, Step 2: reconnect on the KVM host.
  void session(const LunConfig& l, Cause cause) {
    const std::string& h = t_.initiator.host;
    const std::string& portal = t_.portal_of(l);
    Check disk_ok = node_ok(node_id::iscsi_disk(h, l));
    if (cause == Cause::kDiskMissing) {
      add("iscsi.rescan:" + l.name, fmt::format("rescan the session to {} for LUN {}", l.target, l.lun),
          "Scenario 1, Step 2: reconnect on KVM host (rescan)", h, Safety::kSafe,
          {"iscsiadm", "-m", "session", "-r", "{sid:" + l.name + "}", "--rescan"},
          "the LUN's disk is present", disk_ok);
      return;
    }
    if (cause == Cause::kDiskOffline)
      add("iscsi.logout:" + l.name, fmt::format("log out of {}", l.target), "Scenario 1, Step 2: logout", h,
          Safety::kDisruptive, {"iscsiadm", "-m", "node", "-T", l.target, "-p", portal, "--logout"},
          "the disk is online again", disk_ok);
    add("iscsi.login:" + l.name, fmt::format("log in to {}", l.target), "Scenario 1, Step 2: login", h,
        Safety::kSafe, {"iscsiadm", "-m", "node", "-T", l.target, "-p", portal, "--login"},
        "the session is up and its disk present",
        [sid = node_id::session(h, l, portal), disk_ok](const View& v) {
          std::string w = v.not_ok(sid);
          return w.empty() ? disk_ok(v) : w;
        });
  }

  // Will `mdadm --re-add` work? (DESIGN.md field note: superblock of this array, bitmap, slot.)
  // "" yes; otherwise why not. Unset when what decides it was not read this sweep.
  std::optional<std::string> re_add_refusal(const ArrayConfig& a, const std::string& lun) {
    const MdArrayState& st = v_.array(a);
    const MdMemberState* m = st.member(lun);
    if (!m || m->superblock == Seen::kUnknown) return std::nullopt;
    if (m->superblock == Seen::kNo) return std::string("the member has no md superblock");
    if (st.assembled == Seen::kNo || (st.assembled == Seen::kYes && !st.active))
      return std::string("the array is not running");
    if (!st.detail_read) return std::nullopt;
    if (st.bitmap == Seen::kNo) return std::string("the array has no write-intent bitmap");
    if (!st.uuid.empty() && m->sb->array_uuid != st.uuid)
      return std::string("the superblock is another array's");
    if (m->sb->events && st.detail_events && *m->sb->events > *st.detail_events)
      return std::string("the member's event count is higher than the array's (split brain)");
    return std::string();
  }

  // md keeps a failed member's slot, under the kernel name it had then (after a re-login the
  // disk has a new name, and the old one shows as "sdb[1](F)"): free every failed slot first,
  // or mdadm refuses the re-add (seen in the lab).
  void remove_failed(const ArrayConfig& a, const std::string& lun) {
    if (!v_.array(a).any_failed_slot()) return;
    add("md.remove:" + a.name, fmt::format("remove the failed members of {} (frees {}'s slot)", a.name, lun),
        "Scenario 1, Step 3: re-add to RAID (remove the failed slot first)", a.host, Safety::kSafe,
        {"mdadm", "--manage", a.device, "--remove", "failed"}, "no failed member left", no_failed_members(a));
  }

  // Scenario 1, Step 3, done exactly: --re-add (bitmap: only dirty chunks) when mdadm will take
  // it; otherwise a full --add, clearing an old superblock first only when mdadm would refuse.
  void re_add(const ArrayConfig& a, const std::string& lun) {
    auto refusal = re_add_refusal(a, lun);
    if (!refusal) {
      const MdMemberState* m = v_.array(a).member(lun);
      p_.escalate = fmt::format(
          "cannot tell whether {} can be re-added to {} or needs a full rebuild: {}; restore access and "
          "rerun",
          lun, a.name, m && !m->unread.empty() ? m->unread : "mdadm --detail " + a.device + " was not read");
      p_.steps.clear();
      return;
    }
    std::string why_not = *refusal;
    if (why_not.empty()) {
      Step& s = add("md.re-add:" + a.name + "/" + lun, fmt::format("re-add {} to {}", lun, a.name),
                    "Scenario 1, Step 3: re-add to RAID (--re-add instead of --zero-superblock + --add)",
                    a.host, Safety::kSafe, {"mdadm", "--manage", a.device, "--re-add", disk_word(lun)},
                    "the member is back in the array", member_serving(a, lun));
      s.predict = "re-add with the internal bitmap: only the chunks written while it was away are resynced";
      s.array = a.name;
      return;
    }
    if (!check_kept_copy(a, lun)) return;
    const MdMemberState* ms = v_.array(a).member(lun);
    if (ms && ms->sb && !ms->sb->array_uuid.empty()) {
      Step& z =
          add("md.zero-superblock:" + a.name + "/" + lun, fmt::format("clear {}'s old md superblock", lun),
              "Scenario 1, Step 3: if OLD superblock exists, clean it", a.host, Safety::kDestructive,
              {"mdadm", "--zero-superblock", disk_word(lun)}, "the member has no superblock",
              [&a, lun](const View& v) -> std::string {
                const MdMemberState* m = member_state(v, a, lun);
                if (!m || m->superblock == Seen::kUnknown)
                  return "not known whether " + lun + " has a superblock";
                return m->superblock == Seen::kYes ? lun + " still has a superblock" : "";
              });
      z.predict = "--re-add is not possible (" + why_not + ")";
      z.array = a.name;
      z.member_lun = lun;
      z.zvol = t_.lun(lun) ? t_.lun(lun)->zvol : "";
    }
    // A full rebuild writes over every block of the member: whatever copy it held is gone, so
    // the step is destructive, and its zvol is snapshotted first (the executor, before any
    // destructive step on a zvol), so the old copy can still be read.
    Step& s = add("md.add:" + a.name + "/" + lun, fmt::format("add {} to {} (full rebuild)", lun, a.name),
                  "Scenario 1, Step 3: add back to array", a.host, Safety::kDestructive,
                  {"mdadm", "--manage", a.device, "--add", disk_word(lun)}, "the member is back in the array",
                  member_serving(a, lun));
    s.predict = "full rebuild of the whole member, which overwrites the copy it held (" + why_not + ")";
    s.array = a.name;
    s.member_lun = lun;
    s.zvol = t_.lun(lun) ? t_.lun(lun)->zvol : "";
  }

  // Before a full rebuild overwrites `lun`, the copy md keeps (the running array without it) is
  // checked read-only where its filesystem lives, as the runbook does (Scenario 4, Step 2:
  // fsck -n): an error there stops the plan for an operator, with both copies still as they
  // were. With no filesystem named in the topology there is nothing stackdr can check it
  // with, so it escalates rather than overwrite unchecked. Returns false when it escalated.
  bool check_kept_copy(const ArrayConfig& a, const std::string& lun) {
    std::vector<FilesystemSite> sites;
    for (auto [vm, d] : consumers(t_, a))
      if (!vm->guest.empty() && !d->mountpoint.empty()) sites.push_back(site_of(*vm, *d));
    if (!a.mountpoint.empty()) sites.push_back(site_of(a));
    if (sites.empty()) {
      p_.escalate = fmt::format(
          "adding {} back to {} is a full rebuild that overwrites the copy {} holds, and stackdr cannot "
          "check "
          "the copy it would keep first: the topology names no filesystem on {} (arrays[].mountpoint, or a "
          "VM disk's mountpoint). Check {} read-only yourself (fsck -n, or mount -o ro), then add it by hand "
          "(mdadm --manage {} --add), or name the filesystem and rerun",
          lun, a.name, lun, a.name, a.device, a.device);
      p_.steps.clear();
      return false;
    }
    for (const auto& f : sites) {
      Step& c =
          add("fs.check-kept:" + f.host + ":" + f.mountpoint + "/" + lun,
              fmt::format("check the copy {} keeps, read-only, before {} is overwritten", a.name, lun),
              "Scenario 4, Step 2: verify data is accessible (fsck -n) before the other member is added",
              f.host, Safety::kRead, {"e2fsck", "-n", "-f", "--", f.device}, "e2fsck -n found no errors", {});
      c.gate = fmt::format(
          "The copy {} keeps has filesystem errors, so {} was not overwritten: both copies are as they were. "
          "Look at both ({} read-only; {}'s data is still on {}) before deciding which to keep",
          a.name, lun, f.device, lun,
          t_.lun(lun) && !t_.lun(lun)->zvol.empty() ? t_.lun(lun)->zvol : "its disk");
      c.rerun_safe = "a read-only check changes nothing";
    }
    return true;
  }

  void wait_resync(const ArrayConfig& a) {
    Step& s = add("md.wait:" + a.name, fmt::format("wait for {} to finish resyncing", a.name),
                  "Scenario 1, Step 4: wait for rebuild, status [UU]", a.host, Safety::kRead, {},
                  a.name + " is in sync", array_in_sync(a, node_id::array(a)), 6 * 3600);
    s.show_progress = true;
    // A rebuild that md gave up leaves nothing to wait for: a member failed again (its session
    // reset by the SCSI error handler mid-rebuild, as in the lab under load) or the array broke.
    // Without this the wait sat out its six hours; the lab's m-watch hung on it.
    s.gave_up = [a](const View& v) -> std::string {
      const MdArrayState& st = v.array(a);
      if (st.assembled != Seen::kYes || st.sync) return "";  // not read, or a resync still runs
      if (st.broken == Seen::kYes)
        return a.name + " is broken (sysfs array_state): the rebuild cannot finish";
      if (st.any_failed_slot())
        return fmt::format("{} shows a failed member and no resync runs ([{}]): md gave the rebuild up",
                           a.name, st.health);
      if (st.health.find('_') != std::string::npos)
        return fmt::format("{} is degraded ([{}]) and no rebuild runs: nothing brings it back in sync",
                           a.name, st.health);
      return "";
    };
  }

  bool array_running(const ArrayConfig& a) const {
    const MdArrayState& st = v_.array(a);
    return st.assembled == Seen::kYes && st.active;
  }

  void member(const ArrayConfig& a, const std::string& lun) {
    remove_failed(a, lun);
    re_add(a, lun);
    if (p_.escalate.empty()) wait_resync(a);
  }

  // Take an array away from its consumers before stopping it, in the order that keeps data:
  // the guest unmounts, libvirt detaches the disk (qemu holds the array open), then md stops.
  // Returns false (and escalates) when a filesystem on it might be mounted but its host's
  // mounts were not read: unmounting, stopping and fsck are decided by them.
  bool release(const ArrayConfig& a) {
    std::vector<FilesystemSite> sites;
    for (auto [vm, d] : consumers(t_, a))
      if (!vm->guest.empty() && !d->mountpoint.empty()) sites.push_back(site_of(*vm, *d));
    if (!a.mountpoint.empty()) sites.push_back(site_of(a));
    for (const auto& f : sites)
      if (mounted(v_, f) == Seen::kUnknown) {
        p_.escalate = fmt::format(
            "{} must be taken from its consumers first, but whether {} is mounted on {} was not read ({}); "
            "restore access and rerun",
            a.name, f.mountpoint, f.host, "/proc/mounts");
        p_.steps.clear();
        return false;
      }
    for (auto [vm, d] : consumers(t_, a)) {
      if (!vm->guest.empty() && !d->mountpoint.empty())
        umount(site_of(*vm, *d), "Scenario 4, Step 1: umount");
      add("virsh.detach:" + vm->name + "/" + d->target, fmt::format("detach {} from {}", d->target, vm->name),
          "Scenario 5 (so md can stop: qemu holds the array open)", vm->host, Safety::kDisruptive,
          {"virsh", "detach-disk", vm->name, d->target, "--live"}, d->target + " is detached",
          vm_disk_detached(*vm, *d));
    }
    if (!a.mountpoint.empty()) umount(site_of(a), "Scenario 4, Step 1: umount");
    add("md.stop:" + a.name, fmt::format("stop {}", a.name), "Scenario 4, Step 1: stop the array", a.host,
        Safety::kDisruptive, {"mdadm", "--stop", a.device}, a.name + " is stopped", array_stopped(a));
    return true;
  }

  void give_back(const ArrayConfig& a) {
    for (auto [vm, d] : consumers(t_, a)) {
      attach(*vm, *d);
      if (!vm->guest.empty() && !d->mountpoint.empty()) fsck_and_mount(site_of(*vm, *d));
    }
    if (!a.mountpoint.empty()) fsck_and_mount(site_of(a));
  }

  void umount(const FilesystemSite& f, const std::string& runbook) {
    add("fs.umount:" + f.host + ":" + f.mountpoint, fmt::format("unmount {} on {}", f.mountpoint, f.owner),
        runbook, f.host, Safety::kDisruptive, {"umount", "--", f.mountpoint}, f.mountpoint + " is unmounted",
        fs_unmounted(f));
  }

  // e2fsck replays or repairs what the aborted journal left (its exit status says what it
  // fixed, so it is best effort: the mount after it verifies); it never runs on a mounted
  // filesystem (the fsck-mounted interlock).
  void fsck_and_mount(const FilesystemSite& f) {
    Step& fsck =
        add("fs.fsck:" + f.host + ":" + f.mountpoint, fmt::format("check {} on {}", f.device, f.owner),
            "Scenario 4, Step 2: fsck", f.host, Safety::kDisruptive, {"e2fsck", "-fy", "--", f.device},
            "the filesystem is mounted read-write", node_ok(node_id::filesystem(f)));
    fsck.best_effort = true;
    // Checked twice, an unmounted filesystem is repaired once: the second run finds it clean.
    // (Never beside a running one: --resume first looks for its process.)
    fsck.rerun_safe = "e2fsck -fy on the unmounted filesystem it already repaired finds nothing to fix";
    add("fs.mount:" + f.host + ":" + f.mountpoint, fmt::format("mount {} on {}", f.mountpoint, f.owner),
        "Scenario 5: remount", f.host, Safety::kSafe, {"mount", "--", f.device, f.mountpoint},
        "the filesystem is mounted read-write", node_ok(node_id::filesystem(f)));
  }

  // Every leg was lost at once: md kept the last leg "active", marked the array broken and put
  // the failed writes in the bad-block log. Stop, assemble from the freshest member only,
  // clearing the bad-block log before any rebuild copies it, re-add the other, then fsck.
  void broken_array(const ArrayConfig& a) {
    Freshest f = freshest_member(v_.array(a));
    std::string fresh = f.lun;
    if (fresh.empty()) {
      p_.escalate =
          fmt::format("{} is broken and stackdr will not pick a member to assemble from: {}", a.name, f.why);
      return;
    }
    if (!release(a)) return;
    Step& as =
        assemble_from(a, fresh, "Scenario 2, Step 4 / Scenario 4, Step 2: assemble with single device --run");
    as.predict = fresh + " has the highest event count" + as.predict;
    for (const auto& m : a.members)
      if (m != fresh) re_add(a, m);
    give_back(a);
    wait_resync(a);
  }

  // Scenario 4, Step 2: the array is not running (one member's metadata is gone, or it was
  // stopped): run it from the freshest member with a valid superblock, add the others.
  void reassemble(const ArrayConfig& a, const std::string& bad) {
    Freshest f = freshest_member(v_.array(a));
    if (f.undecided) {
      p_.escalate = "stackdr will not assemble " + a.name + ": " + f.why;
      return;
    }
    std::string good = f.lun;
    if (good == bad) good.clear();
    if (good.empty()) {
      p_.escalate = fmt::format(
          "no member of {} has a valid superblock (runbook Scenario 4, Step 3: recreate "
          "and restore from backup — stackdr will not do that for you)",
          a.name);
      return;
    }
    if (v_.array(a).assembled == Seen::kYes)
      add("md.stop:" + a.name, fmt::format("stop the inactive {}", a.name), "Scenario 4, Step 2: stop array",
          a.host, Safety::kDisruptive, {"mdadm", "--stop", a.device}, a.name + " is stopped or running",
          [&a](const View& v) -> std::string {
            const MdArrayState& st = v.array(a);
            if (st.assembled == Seen::kUnknown) return "not known whether " + a.name + " is assembled";
            return st.assembled == Seen::kYes && !st.active ? a.name + " is still assembled, inactive" : "";
          });
    // Every member has a valid superblock with the same event count (a clean stop, a host
    // crash): assemble them all, as the runbook's Scenario 4 Step 1 does; --force lets md start
    // an array that was marked dirty. Nothing to rebuild.
    bool all_equal = bad.empty();
    std::optional<int64_t> events;
    for (const auto& m : v_.array(a).members) {
      const std::optional<MdSuperblock>& e = m.sb;
      if (!e || !e->events || e->bad_blocks || (events && *events != *e->events)) all_equal = false;
      if (e && e->events) events = e->events;
    }
    if (all_equal) {
      Argv argv = {"mdadm", "--assemble", a.device, "--force"};
      for (const auto& m : a.members) argv.push_back(disk_word(m));
      Step& s = add("md.assemble:" + a.name, fmt::format("assemble {} from all its members", a.name),
                    "Scenario 4, Step 1: attempt metadata repair (assemble --force)", a.host,
                    Safety::kDisruptive, argv, a.name + " runs, not broken", array_active_not_broken(a));
      s.predict = fmt::format("every member has event count {}: no rebuild needed", events.value_or(0));
      return;
    }
    Step& s = assemble_from(a, good, "Scenario 4, Step 2: assemble with single device --run");
    s.predict = good +
                " has the highest event count of the members with a valid superblock; the others are "
                "re-added once it runs (planned from what the running array shows)" +
                s.predict;
  }

  // mdadm --assemble --run from one member. If its bad-block log has entries they are the
  // writes that failed when every leg was lost (on a zvol-backed iSCSI disk, media errors are
  // ZFS's business, not md's): clear the log so no later rebuild copies it.
  Step& assemble_from(const ArrayConfig& a, const std::string& member, const std::string& runbook) {
    const MdMemberState* m = v_.array(a).member(member);
    bool bbl = m && m->sb && m->sb->bad_blocks;
    Argv argv = {"mdadm", "--assemble", a.device, "--run"};
    if (bbl) argv.push_back("--update=force-no-bbl");
    argv.push_back(disk_word(member));
    Step& s =
        add("md.assemble:" + a.name, fmt::format("assemble {} from {} alone", a.name, member), runbook,
            a.host, Safety::kDisruptive, argv, a.name + " runs, not broken", array_active_not_broken(a));
    if (bbl) s.predict = "; its bad-block log (failed writes) is cleared so a rebuild cannot copy it";
    return s;
  }

  // Scenario 3: clear first (a transient error), replace when the disk stays faulted.
  void pool_disk(const std::string& disk, Cause cause) {
    const std::string& h = t_.storage.host;
    std::string id = node_id::pool_disk(t_.storage.pool, disk);
    Step& c = add("zpool.clear:" + disk, fmt::format("clear the errors of {}", disk),
                  "Scenario 1, Step 1 / Scenario 3: zpool clear", h, Safety::kSafe,
                  {"zpool", "clear", "--", t_.storage.pool, disk}, disk + " is ONLINE without errors",
                  node_ok(id), 10);
    c.rerun_safe = "clearing error counts that are already clear changes nothing";
    c.best_effort = cause == Cause::kVdevFaulted;
    if (cause != Cause::kVdevFaulted) return;
    if (std::string under_way = replacing_with(v_, disk); !under_way.empty()) {
      // A replacement already runs (started by an earlier, interrupted run): wait for it; a
      // second `zpool replace` would be refused, or pick yet another disk.
      Step& w = add("zpool.resilver:" + disk, fmt::format("wait for {} to resilver onto {}", disk, under_way),
                    "Scenario 3, Step 3: resilver new disk", h, Safety::kRead, {},
                    "the resilver finished and the pool is ONLINE", resilvered(id), 48 * 3600);
      w.show_progress = true;
      scrub_pool();
      return;
    }
    std::string spare = c_.new_disk;
    for (const auto& d : t_.storage.spare_disks)
      if (spare.empty() && !pool_has(v_, d)) spare = d;
    if (spare.empty()) {
      Step& w =
          add("zpool.replace:" + disk, "replace the disk (operator)", "Scenario 3, Step 2: replace disk", h,
              Safety::kRead, {}, disk + " is ONLINE", node_ok(id), 0);
      w.predict = fmt::format("no unused spare disk is named in the topology: put a new disk in and run `{}`",
                              c_.hints.verb("recover --new-disk /dev/disk/by-id/NAME"));
      return;
    }
    Step& r = add("zpool.replace:" + disk, fmt::format("replace {} with {}", disk, spare),
                  "Scenario 3, Step 3: resilver new disk (zpool replace)", h, Safety::kDisruptive,
                  {"zpool", "replace", "--", t_.storage.pool, disk, spare},
                  "the resilver finished and the pool is ONLINE", resilvered(id), 48 * 3600);
    r.show_progress = true;
    r.predict = "ZFS resilvers only allocated data onto " + spare;

    scrub_pool();
  }

  Check resilvered(const std::string& disk_id) const {
    return [pool = node_id::pool(t_.storage.pool), disk_id](const View& v) -> std::string {
      if (v.node(disk_id) && v.not_ok(disk_id).size()) return v.not_ok(disk_id);
      return v.not_ok(pool);
    };
  }

  // Scenario 3, Step 4, followed to its end: the replaced disk's data and every other block are
  // read back. A scrub that finds errors stops the plan: ZFS lists the damaged files in
  // `zpool status -v`, which an operator reads before anything else is done.
  void scrub_pool() {
    const std::string pool = t_.storage.pool;
    Step& scrub = add(
        "zpool.scrub", "scrub the pool to verify every block", "Scenario 3, Step 4: scrub to verify",
        t_.storage.host, Safety::kSafe, {"zpool", "scrub", "--", pool}, "the scrub finished with no errors",
        [pool](const View& v) { return scrub_state(v, pool).waiting; }, 48 * 3600);
    scrub.gave_up = [pool](const View& v) { return scrub_state(v, pool).failed; };
    scrub.show_progress = true;
    scrub.resume_check = "scrub-finished";
    // A `zpool scrub` refused because one runs already is fine: the check follows that one.
    scrub.rerun_safe = "zpool refuses a second scrub while one runs, and a scrub only reads";
  }

  // Is a disk already part of the pool (a spare used by an earlier replace)?

  // Live only: a detach stackdr made was live only, so the persistent definition still has it.
  void attach(const VmConfig& vm, const VmDiskConfig& d) {
    std::string src = d.source;
    if (const ArrayConfig* a = t_.array(d.source))
      src = a->device;
    else if (const LunConfig* l = t_.lun(d.source))
      src = t_.by_path(*l);
    // The bus the target's name says, as libvirt reads it (vdX virtio, sdX SCSI: the VM's
    // virtio-scsi controller); the runbook's cache='none'. What `virsh attach-disk` cannot
    // carry (error_policy) is said, not dropped silently: the definition keeps it, and the
    // next start of the VM applies it.
    std::string bus = text::starts_with(d.target, "sd")   ? "scsi"
                      : text::starts_with(d.target, "hd") ? "ide"
                                                          : "virtio";
    Step& s =
        add("virsh.attach:" + vm.name + "/" + d.target,
            fmt::format("attach {} to {} as {}", src, vm.name, d.target),
            "Scenario 5, Step 3: VM attachment issue (reattach)", vm.host, Safety::kSafe,
            {"virsh", "attach-disk", vm.name, src, d.target, "--targetbus", bus, "--cache", "none", "--live"},
            d.target + " is attached", node_ok(node_id::vm_disk(vm, d)));
    s.predict =
        "attached live with cache=none; an error_policy in the VM's definition applies again from its next "
        "start (virsh attach-disk cannot set it)";
  }

  void vm_disk(const VmConfig& vm, const VmDiskConfig& d) { attach(vm, d); }

  // ext4 went read-only because its journal aborted: a remount alone is refused; unmount,
  // fsck, mount.
  void filesystem(const FilesystemSite& f, Cause cause) {
    if (cause == Cause::kFsReadonly) umount(f, "Scenario 5: remount (after fsck)");
    fsck_and_mount(f);
  }

  // A VM that is shut off is started; one paused (libvirt's error_policy='stop' pauses it on an
  // I/O error, so the guest never sees the error) is resumed, once the disks under it are
  // healthy again: the write it stopped on is then retried and succeeds.
  void vm_start(const VmConfig& vm) {
    if (domain_state(vm) == "paused") {
      add("virsh.resume:" + vm.name, "resume " + vm.name + " (paused on an I/O error)",
          "Scenario 2, Step 5: recover VMs", vm.host, Safety::kSafe, {"virsh", "resume", vm.name},
          vm.name + " is running", node_ok(node_id::vm(vm)));
      return;
    }
    add("virsh.start:" + vm.name, "start " + vm.name, "Scenario 2, Step 5: recover VMs", vm.host,
        Safety::kSafe, {"virsh", "start", vm.name}, vm.name + " is running", node_ok(node_id::vm(vm)));
  }

  std::string domain_state(const VmConfig& vm) const {
    auto k = v_.observation.kvm.find(vm.host);
    if (k == v_.observation.kvm.end() || !k->second.domains) return "";
    for (const auto& d : k->second.domains->domains)
      if (d.name == vm.name) return d.state;
    return "";
  }

  const Topology& t_;
  const View& v_;
  const PlanContext& c_;
  Plan p_;
};

}  // namespace

Plan plan_recovery(const Topology& t, const View& v, const Finding& f, const PlanContext& ctx) {
  return Planner(t, v, ctx).plan(f);
}

const char* safety_name(Safety s) {
  switch (s) {
    case Safety::kRead:
      return "read";
    case Safety::kSafe:
      return "safe";
    case Safety::kDisruptive:
      return "disruptive";
    case Safety::kDestructive:
      return "destructive";
  }
  return "?";
}

bool restore_check(const Topology& t, Step& s, const std::string& name) {
  if (name == "scrub-finished") {
    const std::string pool = t.storage.pool;
    s.done = [pool](const View& v) { return scrub_state(v, pool).waiting; };
    s.gave_up = [pool](const View& v) { return scrub_state(v, pool).failed; };
    s.show_progress = true;
    s.settle_s = 48 * 3600;
    s.resume_check = name;
    return true;
  }
  return false;
}

}  // namespace stackdr
