#include "recover/interlocks.h"

#include <fmt/format.h>

#include <algorithm>

#include "recover/lun_use.h"
#include "util/text.h"

namespace stackdr {

namespace {

std::string base(const std::string& dev) {
  return text::starts_with(dev, "/dev/") ? dev.substr(5) : dev;
}

// The block devices an argv would overwrite.
std::vector<std::string> overwritten(const Argv& a) {
  std::vector<std::string> out;
  if (a.empty()) return out;
  const std::string& c = a[0];
  auto devs_after = [&](size_t from) {
    for (size_t i = from; i < a.size(); ++i)
      if (text::starts_with(a[i], "/dev/")) out.push_back(a[i]);
  };
  if (c == "mdadm" && std::find(a.begin(), a.end(), "--zero-superblock") != a.end()) devs_after(1);
  if (c == "mdadm" && std::find(a.begin(), a.end(), "--add") != a.end())
    for (size_t i = 0; i + 1 < a.size(); ++i)
      if (a[i] == "--add") out.push_back(a[i + 1]);
  if (c == "mdadm" && a.size() > 2 && (a[1] == "--create" || a[1] == "-C")) devs_after(3);
  if (c == "wipefs" || text::starts_with(c, "mkfs")) devs_after(1);
  if (c == "dd")
    for (const auto& x : a)
      if (text::starts_with(x, "of=/dev/")) out.push_back(x.substr(3));
  return out;
}

struct MemberAt {
  const ArrayConfig* array = nullptr;
  const MdMemberState* member = nullptr;
};

// The array member a device is today (by its LUN's disk), if any.
MemberAt member_at(const Topology& t, const View& v, const std::string& dev) {
  for (const auto& a : t.arrays)
    for (const auto& m : v.array(a).members)
      if (m.disk == Seen::kYes && m.device == base(dev)) return {&a, &m};
  return {};
}

// A device the topology names as a member but whose disk was not seen: it cannot be told
// apart from any other device, so nothing may overwrite it.
std::optional<Refusal> member_unseen(const Topology& t, const View& v, const std::string& dev) {
  for (const auto& a : t.arrays)
    for (const auto& m : v.array(a).members)
      if (m.disk == Seen::kUnknown)
        return Refusal{"not-seen",
                       fmt::format("cannot tell whether {} is {}'s disk ({} member of {}): {}", dev, m.lun,
                                   m.lun, a.name, m.unread),
                       "restore access to the KVM host's disk listing and rerun"};
  return std::nullopt;
}

std::optional<Refusal> in_sync_member(const View& v, const MemberAt& m, const std::string& dev) {
  const MdArrayState& st = v.array(*m.array);
  if (st.assembled == Seen::kUnknown)
    return Refusal{
        "in-sync-member",
        fmt::format("cannot tell whether {} ({}) is an active member of {}: /proc/mdstat was not read", dev,
                    m.member->lun, m.array->name),
        "restore access and rerun"};
  if (st.assembled != Seen::kYes || !st.active || !m.member->slot) return std::nullopt;
  const MdSlot& slot = *m.member->slot;
  if (slot.faulty || slot.spare) return std::nullopt;
  return Refusal{
      "in-sync-member",
      fmt::format("{} ({}) is an active member of the running {}", dev, m.member->lun, m.array->name),
      fmt::format("fail and remove it first (mdadm {} --fail {} --remove {}) if you really mean it",
                  m.array->device, dev, dev)};
}

// The shared freshest-member rule (md_state.h): the device is refused when it is the freshest
// member, or when which member is freshest cannot be told.
std::optional<Refusal> freshest_member(const View& v, const MemberAt& m, const std::string& dev) {
  if (m.member->superblock == Seen::kNo) return std::nullopt;  // holds no md data
  Freshest f = freshest_member(v.array(*m.array));
  if (f.undecided)
    return Refusal{"freshest-member",
                   fmt::format("{} ({}) may hold the only current copy: {}", dev, m.member->lun, f.why),
                   "restore access and rerun"};
  if (f.lun != m.member->lun) return std::nullopt;
  return Refusal{
      "freshest-member",
      fmt::format("{} ({}) holds the highest event count of {} ({}): it may be the only current copy", dev,
                  m.member->lun, m.array->name, f.events),
      fmt::format("assemble {} from it and add the other member instead (stackdr recover does that)",
                  m.array->name)};
}

}  // namespace

std::optional<Refusal> check_interlocks(const Topology& t, const View& v, const Step& step, const Argv& argv,
                                        const Policy& policy, bool snapshot_taken) {
  for (const auto& dev : overwritten(argv)) {
    MemberAt m = member_at(t, v, dev);
    if (!m.array) {
      if (auto r = member_unseen(t, v, dev)) return r;
      continue;
    }
    if (auto r = in_sync_member(v, m, dev)) return r;
    if (auto r = freshest_member(v, m, dev)) return r;
  }
  if (!argv.empty() && argv[0] == "mdadm" && argv.size() > 2 && (argv[1] == "--create" || argv[1] == "-C") &&
      !policy.allow_data_loss) {
    for (size_t i = 3; i < argv.size(); ++i) {
      if (!text::starts_with(argv[i], "/dev/")) continue;
      MemberAt m = member_at(t, v, argv[i]);
      if (!m.member || m.member->superblock != Seen::kNo)  // not known to be blank
        return Refusal{
            "create-over-superblock",
            fmt::format("{} may carry a recognisable md superblock (it was not seen to have none): --create "
                        "would write over it",
                        argv[i]),
            "assemble the existing array instead; only if its data is gone for good, rerun with "
            "--allow-data-loss"};
    }
  }
  // A read-only check (-n: open read-only, answer no) changes nothing, mounted or not; every
  // other fsck writes, and never runs on a mounted filesystem.
  auto read_only_check = [&] {
    return argv_has(argv, "-n") && !argv_has(argv, "-y") && !argv_has(argv, "-fy") && !argv_has(argv, "-p") &&
           !argv_has(argv, "-a");
  };
  if (!argv.empty() && (argv[0] == "e2fsck" || argv[0] == "fsck" || text::starts_with(argv[0], "fsck.")) &&
      !read_only_check()) {
    auto g = v.observation.guests.find(step.host);  // a VM, or a KVM host with an array mounted
    if (g == v.observation.guests.end() || !g->second.mounts)
      return Refusal{"fsck-mounted",
                     fmt::format("cannot tell whether {} is mounted on {}: its /proc/mounts was not read",
                                 argv.back(), step.host),
                     "restore access and rerun"};
    for (const auto& mnt : g->second.mounts->mounts)
      if (mnt.device == argv.back())
        return Refusal{"fsck-mounted",
                       fmt::format("{} is mounted on {} on {}", mnt.device, mnt.mountpoint, step.host),
                       "unmount it first (stackdr's plans do)"};
  }
  if (const LunConfig* l = lun_taken_away(t, argv))
    if (auto uses = lun_uses(t, v, *l); !uses.empty())
      return Refusal{"lun-in-use",
                     fmt::format("{} would take LUN {} away, and {}", describe_argv(argv), l->name,
                                 text::join(uses, "; ")),
                     "stop what uses it first (stackdr lun list shows who)"};
  if (step.safety == Safety::kDestructive && !policy.allow_data_loss)
    return Refusal{"destructive-needs-flag",
                   fmt::format("{} is destructive: {}", step.title, describe_argv(argv)),
                   "check the plan with --dry-run; rerun with --allow-data-loss to let destructive steps run "
                   "(the other interlocks still apply)"};
  if (step.safety == Safety::kDestructive && !step.zvol.empty() && !snapshot_taken)
    return Refusal{
        "snapshot-first",
        fmt::format("{} touches data on zvol {} and no snapshot of it was taken", step.title, step.zvol),
        "make sure the storage host can run `zfs snapshot`, then --resume"};
  return std::nullopt;
}

}  // namespace stackdr
