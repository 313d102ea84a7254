#include "recover/interlocks.h"

#include <fmt/format.h>

#include <algorithm>

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
  std::string lun;
};

MemberAt member_at(const Topology& t, const View& v, const std::string& dev) {
  for (const auto& a : t.arrays)
    for (const auto& m : a.members)
      if (const LunConfig* l = t.lun(m); l && !v.disk_of(t, *l).empty() && v.disk_of(t, *l) == base(dev))
        return {&a, m};
  return {};
}

const MdadmExamineFacts* examine_of(const View& v, const std::string& host, const std::string& disk) {
  auto k = v.observation.kvm.find(host);
  if (k == v.observation.kvm.end()) return nullptr;
  auto e = k->second.examine.find(disk);
  return e == k->second.examine.end() || !e->second.facts ? nullptr : &*e->second.facts;
}

std::optional<Refusal> in_sync_member(const Topology& t, const View& v, const std::string& dev) {
  MemberAt m = member_at(t, v, dev);
  if (!m.array) return std::nullopt;
  auto k = v.observation.kvm.find(m.array->host);
  if (k == v.observation.kvm.end() || !k->second.mdstat) return std::nullopt;
  std::string md = m.array->device.substr(m.array->device.rfind('/') + 1);
  for (const auto& a : k->second.mdstat->arrays) {
    if (a.name != md || a.state != "active") continue;
    for (const auto& x : a.members)
      if (x.device == base(dev) && !x.faulty && !x.spare)
        return Refusal{
            "in-sync-member",
            fmt::format("{} ({}) is an active member of the running {}", dev, m.lun, m.array->name),
            fmt::format("fail and remove it first (mdadm {} --fail {} --remove {}) if you really mean it",
                        m.array->device, dev, dev)};
  }
  return std::nullopt;
}

std::optional<Refusal> freshest_member(const Topology& t, const View& v, const std::string& dev) {
  MemberAt m = member_at(t, v, dev);
  if (!m.array) return std::nullopt;
  const MdadmExamineFacts* mine = examine_of(v, m.array->host, base(dev));
  if (!mine || !mine->events) return std::nullopt;
  int64_t best = -1;
  std::string best_lun;
  for (const auto& other : m.array->members) {
    const LunConfig* l = t.lun(other);
    const MdadmExamineFacts* e = l ? examine_of(v, m.array->host, v.disk_of(t, *l)) : nullptr;
    if (e && e->events && *e->events > best) {
      best = *e->events;
      best_lun = other;
    }
  }
  if (*mine->events < best) return std::nullopt;
  return Refusal{
      "freshest-member",
      fmt::format("{} ({}) holds the highest event count of {} ({}): it may be the only current copy", dev,
                  m.lun, m.array->name, *mine->events),
      fmt::format("assemble {} from it and add the other member instead (stackdr recover does that)",
                  m.array->name)};
}

}  // namespace

std::optional<Refusal> check_interlocks(const Topology& t, const View& v, const Step& step, const Argv& argv,
                                        const Policy& policy, bool snapshot_taken) {
  for (const auto& dev : overwritten(argv)) {
    if (auto r = in_sync_member(t, v, dev)) return r;
    if (auto r = freshest_member(t, v, dev)) return r;
  }
  if (!argv.empty() && argv[0] == "mdadm" && argv.size() > 2 && (argv[1] == "--create" || argv[1] == "-C") &&
      !policy.allow_data_loss) {
    for (size_t i = 3; i < argv.size(); ++i) {
      if (!text::starts_with(argv[i], "/dev/")) continue;
      MemberAt m = member_at(t, v, argv[i]);
      std::string host = m.array ? m.array->host : t.initiator.host;
      if (examine_of(v, host, base(argv[i])))
        return Refusal{
            "create-over-superblock",
            fmt::format("{} carries a recognisable md superblock: --create would write over it", argv[i]),
            "assemble the existing array instead; only if its data is gone for good, rerun with "
            "--allow-data-loss"};
    }
  }
  if (!argv.empty() && (argv[0] == "e2fsck" || argv[0] == "fsck" || text::starts_with(argv[0], "fsck."))) {
    auto g = v.observation.guests.find(step.host);  // a VM, or a KVM host with an array mounted
    if (g != v.observation.guests.end() && g->second.mounts)
      for (const auto& mnt : g->second.mounts->mounts)
        if (mnt.device == argv.back())
          return Refusal{"fsck-mounted",
                         fmt::format("{} is mounted on {} on {}", mnt.device, mnt.mountpoint, step.host),
                         "unmount it first (stackdr's plans do)"};
  }
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
