#include "recover/planner.h"

#include <fmt/format.h>

#include <map>

#include "recover/plan_builder.h"

namespace stackdr {

namespace {

using planning::PlanBuilder;
using planning::Subject;

// ---- which layer plans a cause --------------------------------------------------------------
// Each makes its layer's plan when the finding names what that plan needs (false otherwise:
// the finding is then planned as md's state says, or escalated).

bool zvol(PlanBuilder& b, const Subject& s, const Finding&) {
  if (s.lun) b.zvol(*s.lun);
  return s.lun;
}
bool zvol_back(PlanBuilder& b, const Subject& s, const Finding&) {
  if (s.lun) b.zvol_back(*s.lun);
  return s.lun;
}
bool backstore(PlanBuilder& b, const Subject& s, const Finding& f) {
  if (s.lun) b.backstore(*s.lun, f.cause);
  return s.lun;
}
bool lun(PlanBuilder& b, const Subject& s, const Finding&) {
  if (s.lun) b.lun(*s.lun);
  return s.lun;
}
bool acl(PlanBuilder& b, const Subject& s, const Finding&) {
  if (s.lun) b.acl(*s.lun);
  return s.lun;
}
bool target_service(PlanBuilder& b, const Subject&, const Finding&) {
  b.target_service();
  return true;
}
bool network(PlanBuilder& b, const Subject&, const Finding& f) {
  b.network(f.root);
  return true;
}
bool session(PlanBuilder& b, const Subject& s, const Finding& f) {
  if (s.lun) b.session(*s.lun, f.cause);
  return s.lun;
}
bool member(PlanBuilder& b, const Subject& s, const Finding&) {
  if (s.array && !s.member.empty()) b.member(*s.array, s.member);
  return s.array && !s.member.empty();
}
bool wait_resync(PlanBuilder& b, const Subject& s, const Finding&) {
  if (s.array) b.wait_resync(*s.array);
  return s.array;
}
bool pool_disk(PlanBuilder& b, const Subject& s, const Finding& f) {
  if (!s.pool_disk.empty()) b.pool_disk(s.pool_disk, f.cause);
  return !s.pool_disk.empty();
}
bool vm_disk(PlanBuilder& b, const Subject& s, const Finding&) {
  if (s.vm && s.vm_disk) b.vm_disk(*s.vm, *s.vm_disk);
  return s.vm && s.vm_disk;
}
bool filesystem(PlanBuilder& b, const Subject& s, const Finding& f) {
  if (s.fs) b.filesystem(*s.fs, f.cause);
  return s.fs.has_value();
}
bool vm_start(PlanBuilder& b, const Subject& s, const Finding&) {
  if (s.vm) b.vm_start(*s.vm);
  return s.vm;
}

struct LayerPlan {
  bool (*make)(PlanBuilder&, const Subject&, const Finding&);
  /// Planned only after md's own state (not read, broken, not running), when the finding is
  /// about an array: a member re-added to a stopped array, or a filesystem mounted from one,
  /// would be the wrong first step. The layers under md are repaired whatever md shows.
  bool after_md_state = false;
};

const std::map<Cause, LayerPlan>& layer_plans() {
  static const std::map<Cause, LayerPlan> plans = {
      {Cause::kZvolMissing, {zvol}},
      {Cause::kZvolRenamed, {zvol_back}},
      {Cause::kBackstoreMissing, {backstore}},
      {Cause::kBackstoreWrongDevice, {backstore}},
      {Cause::kLunMissing, {lun}},
      {Cause::kAclMissing, {acl}},
      {Cause::kTargetNotListening, {target_service}},
      {Cause::kPortalUnreachable, {network}},
      {Cause::kSessionDown, {session}},
      {Cause::kDiskMissing, {session}},
      {Cause::kDiskOffline, {session}},
      {Cause::kMemberFaulty, {member, true}},
      {Cause::kMemberMissing, {member, true}},
      {Cause::kEventsMismatch, {member, true}},
      {Cause::kWriteErrors, {member, true}},
      {Cause::kBadBlocks, {member, true}},
      {Cause::kSuperblockInvalid, {member, true}},
      {Cause::kArrayDegraded, {wait_resync, true}},
      {Cause::kRebuilding, {wait_resync, true}},
      {Cause::kVdevFaulted, {pool_disk, true}},
      {Cause::kVdevDegraded, {pool_disk, true}},
      {Cause::kVdevErrors, {pool_disk, true}},
      {Cause::kVmDiskDetached, {vm_disk, true}},
      {Cause::kFsReadonly, {filesystem, true}},
      {Cause::kFsNotMounted, {filesystem, true}},
      {Cause::kVmNotRunning, {vm_start, true}},
  };
  return plans;
}

// md's state comes before any cause on an array: not read → nothing is planned from it;
// broken → stopped and assembled from the freshest member; not running → reassembled.
bool md_state_first(PlanBuilder& b, const Subject& s, const Finding& f) {
  if (!s.array) return false;
  const ArrayConfig& a = *s.array;
  const MdArrayState& st = b.view().array(a);
  if (st.assembled == Seen::kUnknown) {
    b.plan().escalate =
        fmt::format("cannot tell whether {} is running: /proc/mdstat on {} was not read", a.name, a.host);
    return true;
  }
  if (st.broken == Seen::kYes || f.cause == Cause::kArrayBroken) {
    b.broken_array(a);
    return true;
  }
  if (st.assembled == Seen::kYes && st.active) return false;
  b.reassemble(a, f.cause == Cause::kSuperblockInvalid ? s.member : "");
  return true;
}

}  // namespace

Plan plan_recovery(const Topology& t, const View& v, const Finding& f, const PlanContext& ctx) {
  PlanBuilder b(t, v, ctx);
  Plan& p = b.plan();
  p.scenario = f.scenario;
  p.cause = f.cause;
  p.root = f.root;
  p.summary = f.summary;
  Subject s = planning::subject_of(t, f.root);
  auto it = layer_plans().find(f.cause);
  const LayerPlan* layer = it == layer_plans().end() ? nullptr : &it->second;
  if (layer && !layer->after_md_state && layer->make(b, s, f)) return p;
  if (md_state_first(b, s, f)) return p;
  if (layer && layer->after_md_state && layer->make(b, s, f)) return p;
  p.escalate = fmt::format("no automatic recovery for {} on {}: follow {} by hand", f.cause, f.root_label,
                           f.runbook.empty() ? "the runbook" : f.runbook);
  return p;
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
    s.done = [pool](const View& v) { return planning::scrub_state(v, pool).waiting; };
    s.gave_up = [pool](const View& v) { return planning::scrub_state(v, pool).failed; };
    s.show_progress = true;
    s.settle_s = 48 * 3600;
    s.resume_check = name;
    return true;
  }
  return false;
}

}  // namespace stackdr
