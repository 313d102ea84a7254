#include <fmt/format.h>

#include "recover/plan_builder.h"

// The MD RAID1 layer's plans: a member re-added (or fully rebuilt after the kept copy is checked), the resync
// followed, an array stopped and assembled from its freshest member.

namespace stackdr::planning {

std::optional<std::string> PlanBuilder::re_add_refusal(const ArrayConfig& a, const std::string& lun) {
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

void PlanBuilder::remove_failed(const ArrayConfig& a, const std::string& lun) {
  if (!v_.array(a).any_failed_slot()) return;
  add("md.remove:" + a.name, fmt::format("remove the failed members of {} (frees {}'s slot)", a.name, lun),
      "Scenario 1, Step 3: re-add to RAID (remove the failed slot first)", a.host, Safety::kSafe,
      {"mdadm", "--manage", a.device, "--remove", "failed"}, "no failed member left", no_failed_members(a));
}

void PlanBuilder::re_add(const ArrayConfig& a, const std::string& lun) {
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

bool PlanBuilder::check_kept_copy(const ArrayConfig& a, const std::string& lun) {
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

void PlanBuilder::wait_resync(const ArrayConfig& a) {
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
    if (st.broken == Seen::kYes) return a.name + " is broken (sysfs array_state): the rebuild cannot finish";
    if (st.any_failed_slot())
      return fmt::format("{} shows a failed member and no resync runs ([{}]): md gave the rebuild up", a.name,
                         st.health);
    if (st.health.find('_') != std::string::npos)
      return fmt::format("{} is degraded ([{}]) and no rebuild runs: nothing brings it back in sync", a.name,
                         st.health);
    return "";
  };
}

bool PlanBuilder::array_running(const ArrayConfig& a) const {
  const MdArrayState& st = v_.array(a);
  return st.assembled == Seen::kYes && st.active;
}

void PlanBuilder::member(const ArrayConfig& a, const std::string& lun) {
  remove_failed(a, lun);
  re_add(a, lun);
  if (p_.escalate.empty()) wait_resync(a);
}

bool PlanBuilder::release(const ArrayConfig& a) {
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
    if (!vm->guest.empty() && !d->mountpoint.empty()) umount(site_of(*vm, *d), "Scenario 4, Step 1: umount");
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

void PlanBuilder::give_back(const ArrayConfig& a) {
  for (auto [vm, d] : consumers(t_, a)) {
    attach(*vm, *d);
    if (!vm->guest.empty() && !d->mountpoint.empty()) fsck_and_mount(site_of(*vm, *d));
  }
  if (!a.mountpoint.empty()) fsck_and_mount(site_of(a));
}

void PlanBuilder::broken_array(const ArrayConfig& a) {
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

void PlanBuilder::reassemble(const ArrayConfig& a, const std::string& bad) {
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

Step& PlanBuilder::assemble_from(const ArrayConfig& a, const std::string& member,
                                 const std::string& runbook) {
  const MdMemberState* m = v_.array(a).member(member);
  bool bbl = m && m->sb && m->sb->bad_blocks;
  Argv argv = {"mdadm", "--assemble", a.device, "--run"};
  if (bbl) argv.push_back("--update=force-no-bbl");
  argv.push_back(disk_word(member));
  Step& s = add("md.assemble:" + a.name, fmt::format("assemble {} from {} alone", a.name, member), runbook,
                a.host, Safety::kDisruptive, argv, a.name + " runs, not broken", array_active_not_broken(a));
  if (bbl) s.predict = "; its bad-block log (failed writes) is cleared so a rebuild cannot copy it";
  return s;
}

}  // namespace stackdr::planning
