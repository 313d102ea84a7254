#include "operate/lun_ops.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "probe/lio_saveconfig.h"
#include "recover/lun_use.h"
#include "topology/name_rules.h"
#include "util/text.h"

namespace stackdr {

namespace {

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 63 ||
      !(std::islower(static_cast<unsigned char>(n[0])) || std::isdigit(static_cast<unsigned char>(n[0]))))
    return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
           c == '-' || c == '.' || c == '_';
  });
}

// The part every topology LUN's field has before the LUN's name ("iqn...storage:" before
// "test01"), when they all agree; nullopt otherwise.
template <typename Field>
std::optional<std::string> common_prefix(const Topology& t, Field field) {
  std::optional<std::string> prefix;
  for (const auto& l : t.luns) {
    const std::string& v = field(l);
    if (v.size() < l.name.size() || v.compare(v.size() - l.name.size(), l.name.size(), l.name) != 0)
      return std::nullopt;
    std::string p = v.substr(0, v.size() - l.name.size());
    if (prefix && *prefix != p) return std::nullopt;
    prefix = p;
  }
  return prefix;
}

const LioTarget* lio_target(const View& v, const std::string& iqn) {
  if (!v.observation.storage.lio) return nullptr;
  for (const auto& t : v.observation.storage.lio->targets)
    if (t.iqn == iqn) return &t;
  return nullptr;
}
const LioBackstore* lio_backstore(const View& v, const std::string& type_name) {
  if (!v.observation.storage.lio) return nullptr;
  for (const auto& b : v.observation.storage.lio->backstores)
    if (b.type + "/" + b.name == type_name) return &b;
  return nullptr;
}
const LioLun* lio_lun(const LioTarget* t, int lun) {
  if (!t || t->tpgs.empty()) return nullptr;
  for (const auto& x : t->tpgs.front().luns)
    if (x.lun == lun) return &x;
  return nullptr;
}
std::optional<std::string> volsize(const View& v, const std::string& zvol) {
  const auto& z = v.observation.storage.zvols;
  return z ? z->get(zvol, "volsize") : std::nullopt;
}

Step step(std::string id, std::string title, std::string host, Safety safety, Argv argv,
          std::string done_when, Check done, std::string rerun_safe = "") {
  Step s;
  s.id = std::move(id);
  s.title = std::move(title);
  s.runbook = "runbook: Quick Reference, iscsi-lun.sh";
  s.host = std::move(host);
  s.safety = safety;
  s.argv = std::move(argv);
  s.done_when = std::move(done_when);
  s.done = std::move(done);
  s.settle_s = 15;
  s.rerun_safe = std::move(rerun_safe);
  return s;
}

std::string size_text(int64_t bytes) {
  for (auto [suffix, shift] : {std::pair{"T", 40}, {"G", 30}, {"M", 20}, {"K", 10}})
    if (bytes % (1LL << shift) == 0) return fmt::format("{}{}", bytes >> shift, suffix);
  return std::to_string(bytes);
}

}  // namespace

Result<int64_t> parse_lun_size(const std::string& text) {
  if (auto n = text::parse_binary_size(text)) return *n;
  return Error{fmt::format("'{}' is not a size: give bytes or a number with K, M, G or T (1G, 512M)", text)};
}

Result<LunConfig> lun_for(const Topology& t, const LunRequest& r) {
  if (const LunConfig* l = t.lun(r.name)) return *l;
  if (!valid_name(r.name))
    return Error{
        fmt::format("'{}' cannot name a LUN: use 1 to 63 lowercase letters, digits, '-', '.' or '_', "
                    "starting with a letter or digit (it becomes part of an IQN, a zvol and a configfs "
                    "path)",
                    r.name)};
  LunConfig l;
  l.name = r.name;
  l.lun = r.lun;
  if (!r.target.empty()) {
    l.target = r.target;
  } else if (auto p = common_prefix(t, [](const LunConfig& x) -> const std::string& { return x.target; });
             p && !t.luns.empty()) {
    l.target = *p + r.name;
  } else {
    return Error{"the topology's LUN targets do not share one naming pattern: give --target IQN"};
  }
  if (t.storage.pool.empty()) return Error{"lun create makes a zvol, and the topology names no pool"};
  if (!r.zvol.empty()) {
    l.zvol = r.zvol;
  } else if (auto p = common_prefix(t, [](const LunConfig& x) -> const std::string& { return x.zvol; });
             p && !t.luns.empty() && text::starts_with(*p, t.storage.pool + "/")) {
    l.zvol = *p + r.name;
  } else {
    l.zvol = t.storage.pool + "/" + r.name;
  }
  if (!text::starts_with(l.zvol, t.storage.pool + "/"))
    return Error{fmt::format("--zvol {} is not in pool {}", l.zvol, t.storage.pool)};
  l.device = "/dev/zvol/" + l.zvol;
  l.backstore_name = r.name;
  // The names become argv words of targetcli, zfs and iscsiadm: held to the rules the
  // topology's own names are (topology/name_rules.h), whether typed or derived.
  if (auto why = name_rules::iscsi_name(l.target))
    return Error{fmt::format("target '{}': {}", l.target, *why)};
  if (auto why = name_rules::zfs_dataset(l.zvol)) return Error{fmt::format("zvol '{}': {}", l.zvol, *why)};
  if (auto why = name_rules::label(l.name)) return Error{fmt::format("LUN name '{}': {}", l.name, *why)};
  return l;
}

Topology with_lun(const Topology& t, const LunConfig& l) {
  Topology out = t;
  if (!out.lun(l.name)) out.luns.push_back(l);
  out.index();
  return out;
}

std::string stable_unit_serial(const LunConfig& l) {
  // Two FNV-1a hashes of the identity, shaped as the UUID LIO keeps (version 4, variant 1).
  auto fnv = [](const std::string& s, uint64_t h) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    return h;
  };
  std::string id = l.target + "/" + l.backstore();
  uint64_t a = fnv(id, 14695981039346656037ULL), b = fnv(id, 0x84222325cbf29ce4ULL);
  return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff, b >> 52,
                     b & 0xffffffffffffULL);
}

std::string topology_snippet(const LunConfig& l) {
  return fmt::format("  - name: {}\n    target: {}\n    lun: {}\n    zvol: {}\n", l.name, l.target, l.lun,
                     l.zvol);
}

namespace {

// What on the storage server stands in the way of creating `l` as asked ("" = nothing): the
// reads it rests on missing, or a zvol, backstore or LUN of that name that is something else.
std::string lun_create_conflict(const View& v, const LunConfig& l, int64_t size) {
  const std::string bs = l.backstore();
  if (!v.observation.storage.zvols || !v.observation.storage.lio)
    return "the storage server's zvols or LIO could not be read: nothing is created on a partial view";
  if (auto have = volsize(v, l.zvol); have && text::to_int(*have) != size)
    return fmt::format(
        "zvol {} exists with volsize {}, not {}: `stackdr lun resize {} --size S` grows it, or choose "
        "another name",
        l.zvol, *have, size, l.name);
  if (const LioBackstore* b = lio_backstore(v, bs); b && b->device != l.device)
    return fmt::format("backstore {} exists on {}, not {}", bs, b->device, l.device);
  if (const LioLun* x = lio_lun(lio_target(v, l.target), l.lun); x && x->backstore != bs)
    return fmt::format("{} LUN {} maps {}, not {}", l.target, l.lun, x->backstore, bs);
  return "";
}

Step zvol_create_step(const Topology& t, const LunConfig& l, const LunRequest& r, int64_t size) {
  Argv create{"zfs", "create"};
  if (r.sparse) create.push_back("-s");
  for (const std::string& w :
       {std::string("-V"), std::to_string(size), std::string("-o"), "volblocksize=" + r.volblocksize,
        std::string("-o"), std::string("volmode=dev"), std::string("-o"), "stackdr:lun=" + l.name, l.zvol})
    create.push_back(w);
  return step(
      "lun.zvol:" + l.name,
      fmt::format("create zvol {} ({}{})", l.zvol, size_text(size), r.sparse ? ", sparse" : ""),
      t.storage.host, Safety::kSafe, create, "zfs get shows " + l.zvol,
      [zvol = l.zvol](const View& v) { return volsize(v, zvol) ? "" : "zvol " + zvol + " does not exist"; });
}

// The backstore (with its stable unit serial), the target, the LUN, the ACL and the save.
void add_lio_steps(Plan& p, const Topology& t, const LunConfig& l) {
  const std::string storage = t.storage.host, bs = l.backstore(), serial = stable_unit_serial(l);
  const std::string initiator = t.initiator.iqn;
  p.steps.push_back(step(
      "lun.backstore:" + l.name, "create block backstore " + bs + " with unit serial " + serial, storage,
      Safety::kSafe,
      {"targetcli", "/backstores/" + l.backstore_type, "create", "name=" + l.backstore_name,
       "dev=" + l.device, "wwn=" + serial},
      "LIO has " + bs, [bs](const View& v) { return lio_backstore(v, bs) ? "" : "no backstore " + bs; }));
  p.steps.push_back(
      step("lun.target:" + l.name, "create target " + l.target, storage, Safety::kSafe,
           {"targetcli", "/iscsi", "create", l.target}, "LIO has target " + l.target,
           [iqn = l.target](const View& v) { return lio_target(v, iqn) ? "" : "no target " + iqn; }));
  p.steps.push_back(step(
      "lun.map:" + l.name, fmt::format("map {} as LUN {} of {}", bs, l.lun, l.target), storage, Safety::kSafe,
      {"targetcli", "/iscsi/" + l.target + "/tpg1/luns", "create", "/backstores/" + bs,
       std::to_string(l.lun)},
      fmt::format("{} LUN {} maps {}", l.target, l.lun, bs), [iqn = l.target, n = l.lun, bs](const View& v) {
        const LioLun* x = lio_lun(lio_target(v, iqn), n);
        return x && x->backstore == bs ? "" : fmt::format("{} has no LUN {}", iqn, n);
      }));
  if (!initiator.empty())
    p.steps.push_back(
        step("lun.acl:" + l.name, "let " + initiator + " see " + l.target, storage, Safety::kSafe,
             {"targetcli", "/iscsi/" + l.target + "/tpg1/acls", "create", initiator},
             "an ACL for " + initiator, [iqn = l.target, initiator](const View& v) -> std::string {
               const LioTarget* tg = lio_target(v, iqn);
               if (!tg || tg->tpgs.empty()) return "no target " + iqn;
               for (const auto& a : tg->tpgs.front().acls)
                 if (a.initiator == initiator) return "";
               return "no ACL for " + initiator;
             }));
  p.steps.push_back(step(
      "lun.save:" + l.name, "save the LIO configuration (a reboot restores the LUN)", storage, Safety::kSafe,
      {"targetcli", "saveconfig"},
      fmt::format("the saved configuration has {}, mapped as LUN {} of {}", bs, l.lun, l.target),
      [l, bs](const View& v) -> std::string {
        const StorageFacts& s = v.observation.storage;
        if (!s.lio_saved) return "LIO's saved configuration not read";
        bool backstore = false, mapped = false;
        for (const auto& b : s.lio_saved->backstores)
          backstore = backstore || (b.type + "/" + b.name == bs && b.device == l.device);
        for (const auto& tg : s.lio_saved->targets)
          for (const auto& g : tg.tpgs)
            for (const auto& x : g.luns)
              mapped = mapped || (tg.iqn == l.target && x.lun == l.lun && x.backstore == bs);
        return backstore && mapped ? "" : "the saved configuration lacks " + bs;
      },
      "saving the same configuration twice writes the same file"));
}

// --login: the KVM host discovers the portal and logs in to the new target.
void add_login_steps(Plan& p, const Topology& t, const LunConfig& l) {
  const std::string kvm = t.initiator.host, portal = t.portal_of(l);
  p.steps.push_back(step(
      "lun.discover:" + l.name, "discover the targets on " + portal, kvm, Safety::kSafe,
      {"iscsiadm", "-m", "discovery", "-t", "sendtargets", "-p", portal}, "a node record for " + l.target,
      [kvm, iqn = l.target](const View& v) -> std::string {
        auto k = v.observation.kvm.find(kvm);
        if (k == v.observation.kvm.end() || !k->second.nodes) return "node records not read";
        return k->second.nodes->find(iqn) ? "" : "no node record for " + iqn;
      },
      "discovery adds records; it keeps the settings of existing ones"));
  p.steps.push_back(step("lun.login:" + l.name, "log in to " + l.target, kvm, Safety::kSafe,
                         {"iscsiadm", "-m", "node", "-T", l.target, "-p", portal, "--login"},
                         "a session to " + l.target + " with its disk",
                         [kvm, l](const View& v) -> std::string {
                           auto k = v.observation.kvm.find(kvm);
                           if (k == v.observation.kvm.end() || !k->second.sessions)
                             return "sessions not read";
                           for (const auto& se : k->second.sessions->sessions)
                             if (se.target == l.target && se.session_state == "LOGGED_IN") return "";
                           return "no session to " + l.target;
                         }));
}

}  // namespace

Task lun_create_task(const Topology& t, const LunConfig& l, const LunRequest& r) {
  const int64_t size = r.size.value_or(0);
  Task task;
  task.kind = "lun-create";
  task.subject = "LUN " + l.name;
  task.summary = fmt::format("create LUN {} ({}) on {}", l.name, size_text(size), t.storage.host);
  task.plan = [=, summary = task.summary](const View& v) {
    Plan p;
    p.summary = summary;
    p.escalate = lun_create_conflict(v, l, size);
    if (!p.escalate.empty()) return p;
    p.steps.push_back(zvol_create_step(t, l, r, size));
    add_lio_steps(p, t, l);
    if (r.login) add_login_steps(p, t, l);
    return p;
  };
  return task;
}

Task lun_remove_task(const Topology& t, const LunConfig& l, const LunRequest& r) {
  const std::string storage = t.storage.host, bs = l.backstore();
  const std::string held =
      fmt::format("{}/stackdr-removed/{}-{}", t.storage.pool, l.name, static_cast<int64_t>(r.now));
  const int64_t hold_until = static_cast<int64_t>(r.now) + int64_t{r.keep_days} * 86400;
  Task task;
  task.kind = "lun-remove";
  task.subject = "LUN " + l.name;
  task.summary = fmt::format("remove LUN {} (its zvol held as {} for {} days)", l.name, held, r.keep_days);
  task.plan = [=](const View& v) {
    Plan p;
    p.summary = task.summary;
    if (!v.observation.storage.lio) {
      p.escalate = "LIO on the storage server could not be read: nothing is removed on a partial view";
      return p;
    }
    if (auto uses = lun_uses(t, v, l); !uses.empty()) {
      p.escalate = fmt::format("refused: LUN {} is in use: {}", l.name, text::join(uses, "; "));
      return p;
    }
    const LioTarget* tg = lio_target(v, l.target);
    bool alone = tg && !tg->tpgs.empty() && tg->tpgs.front().luns.size() <= 1;
    if (alone)
      p.steps.push_back(step(
          "lun.target-delete:" + l.name, "delete target " + l.target + " (it exports only this LUN)", storage,
          Safety::kDisruptive, {"targetcli", "/iscsi", "delete", l.target}, "LIO has no target " + l.target,
          [iqn = l.target](const View& v) { return lio_target(v, iqn) ? "target " + iqn + " exists" : ""; }));
    else if (tg)
      p.steps.push_back(
          step("lun.unmap:" + l.name, fmt::format("unmap LUN {} of {}", l.lun, l.target), storage,
               Safety::kDisruptive,
               {"targetcli", "/iscsi/" + l.target + "/tpg1/luns", "delete", fmt::format("lun{}", l.lun)},
               fmt::format("{} has no LUN {}", l.target, l.lun), [iqn = l.target, n = l.lun](const View& v) {
                 return lio_lun(lio_target(v, iqn), n) ? fmt::format("{} LUN {} exists", iqn, n) : "";
               }));
    p.steps.push_back(
        step("lun.backstore-delete:" + l.name, "delete backstore " + bs, storage, Safety::kDisruptive,
             {"targetcli", "/backstores/" + l.backstore_type, "delete", l.backstore_name},
             "LIO has no backstore " + bs,
             [bs](const View& v) { return lio_backstore(v, bs) ? "backstore " + bs + " exists" : ""; }));
    p.steps.push_back(step(
        "lun.save:" + l.name, "save the LIO configuration (a reboot does not bring it back)", storage,
        Safety::kSafe, {"targetcli", "saveconfig"}, "the saved configuration no longer has " + bs,
        [l, bs](const View& v) -> std::string {
          const StorageFacts& s = v.observation.storage;
          if (!s.lio_saved) return "LIO's saved configuration not read";
          for (const auto& b : s.lio_saved->backstores)
            if (b.type + "/" + b.name == bs) return "the saved configuration still has " + bs;
          for (const auto& tg : s.lio_saved->targets)
            for (const auto& g : tg.tpgs)
              for (const auto& x : g.luns)
                if (tg.iqn == l.target && x.lun == l.lun)
                  return fmt::format("the saved configuration still maps {} LUN {}", l.target, l.lun);
          return "";
        },
        "saving the same configuration twice writes the same file"));
    if (!l.zvol.empty() && volsize(v, l.zvol)) {
      // Held, not destroyed: renamed out of the way, marked with when it may go.
      p.steps.push_back(step(
          "lun.zvol-hold:" + l.name, "hold zvol " + l.zvol + " as " + held, storage, Safety::kDisruptive,
          {"zfs", "rename", "-p", l.zvol, held}, "no zvol " + l.zvol,
          [zvol = l.zvol](const View& v) { return volsize(v, zvol) ? "zvol " + zvol + " exists" : ""; }));
      Step mark =
          step("lun.zvol-mark:" + l.name, fmt::format("mark {} to be kept until {}", held, hold_until),
               storage, Safety::kSafe, {"zfs", "set", fmt::format("stackdr:hold-until={}", hold_until), held},
               "exit status 0", nullptr, "setting a property twice leaves it set");
      p.steps.push_back(mark);
    }
    return p;
  };
  return task;
}

Task lun_resize_task(const Topology& t, const LunConfig& l, int64_t size) {
  const std::string storage = t.storage.host;
  Task task;
  task.kind = "lun-resize";
  task.subject = "LUN " + l.name;
  task.summary = fmt::format("grow LUN {} to {}", l.name, size_text(size));
  task.plan = [=](const View& v) {
    Plan p;
    p.summary = task.summary;
    auto have = volsize(v, l.zvol);
    if (l.zvol.empty()) {
      p.escalate = "LUN " + l.name + " is not on a zvol: stackdr grows zvols only";
      return p;
    }
    if (!have) {
      p.escalate = "the size of zvol " + l.zvol + " could not be read (or it does not exist)";
      return p;
    }
    auto cur = text::to_int(*have).value_or(0);
    if (size < cur) {
      p.escalate = fmt::format(
          "refused: {} is {} bytes; {} would shrink it and cut off the data at its end "
          "(grow only)",
          l.zvol, cur, size);
      return p;
    }
    p.steps.push_back(step("lun.grow:" + l.name, fmt::format("grow zvol {} to {}", l.zvol, size_text(size)),
                           storage, Safety::kSafe, {"zfs", "set", fmt::format("volsize={}", size), l.zvol},
                           fmt::format("zfs get volsize {} = {}", l.zvol, size),
                           [zvol = l.zvol, size](const View& v) -> std::string {
                             auto s = volsize(v, zvol);
                             return s && text::to_int(*s) == size ? "" : "volsize " + s.value_or("not read");
                           }));
    auto k = v.observation.kvm.find(t.initiator.host);
    bool session = false;
    if (k != v.observation.kvm.end() && k->second.sessions)
      for (const auto& se : k->second.sessions->sessions) session = session || se.target == l.target;
    if (session && cur < size)
      p.steps.push_back(step("lun.rescan:" + l.name, "rescan the session so the initiator sees the new size",
                             t.initiator.host, Safety::kSafe,
                             {"iscsiadm", "-m", "session", "-r", "{sid:" + l.name + "}", "--rescan"},
                             "the rescan's exit status", nullptr, "a rescan twice changes nothing"));
    return p;
  };
  return task;
}

}  // namespace stackdr
