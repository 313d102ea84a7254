#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "probe/lio_configfs.h"
#include "sim/renderers.h"
#include "util/text.h"

namespace stackdr::sim {

namespace {

constexpr size_t kTargetcliWidth = 132;  // targetcli pads each line to the terminal width

// A node of the tree targetcli prints: name, the bracketed summary, children.
struct TreeNode {
  std::string name, info;
  std::vector<TreeNode> children;
};

std::string human_size(int64_t bytes) {
  double v = static_cast<double>(bytes);
  for (const char* unit : {"B", "KiB", "MiB", "GiB", "TiB"}) {
    if (v < 1024.0 || std::string(unit) == "TiB") return fmt::format("{:.1f}{}", v, unit);
    v /= 1024.0;
  }
  return "";
}

void print(const TreeNode& n, const std::string& prefix, std::string& out) {
  std::string head = prefix + "o- " + n.name + " ";
  std::string tail = " [" + n.info + "]";
  size_t dots = kTargetcliWidth > head.size() + tail.size() ? kTargetcliWidth - head.size() - tail.size() : 1;
  out += head + std::string(dots, '.') + tail + "\n";
}

// Renders children with the rails for later siblings.
void render_children(const TreeNode& parent, const std::string& prefix, std::string& out) {
  for (size_t i = 0; i < parent.children.size(); ++i) {
    const TreeNode& c = parent.children[i];
    bool last = i + 1 == parent.children.size();
    print(c, prefix, out);
    render_children(c, prefix + (last ? "  " : "| "), out);
  }
}

TreeNode build_tree(const SimState& s) {
  const Lio& lio = s.lio;
  TreeNode root{"/", "...", {}};
  TreeNode backstores{"backstores", "...", {}};
  for (const char* type : {"block", "fileio", "pscsi", "ramdisk"}) {
    TreeNode folder{type, "", {}};
    for (const auto& b : lio.backstores) {
      if (b.type != type) continue;
      TreeNode tg{"default_tg_pt_gp", "ALUA state: Active/optimized", {}};
      TreeNode alua{"alua", "ALUA Groups: 1", {tg}};
      folder.children.push_back(
          {b.name, fmt::format("{} ({}) write-thru activated", b.device, human_size(b.size_bytes)), {alua}});
    }
    folder.info = fmt::format("Storage Objects: {}", folder.children.size());
    backstores.children.push_back(folder);
  }
  root.children.push_back(backstores);
  TreeNode iscsi{"iscsi", fmt::format("Targets: {}", lio.targets.size()), {}};
  for (const auto& t : lio.targets) {
    TreeNode tpg{"tpg1", t.tpg_enabled ? "no-gen-acls, no-auth" : "disabled", {}};
    TreeNode acls{"acls", fmt::format("ACLs: {}", t.acls.size()), {}};
    for (const auto& a : t.acls) {
      TreeNode acl{a, fmt::format("Mapped LUNs: {}", t.luns.size()), {}};
      for (const auto& l : t.luns)
        acl.children.push_back(
            {fmt::format("mapped_lun{}", l.lun), fmt::format("lun{} {} (rw)", l.lun, l.backstore), {}});
      acls.children.push_back(acl);
    }
    TreeNode luns{"luns", fmt::format("LUNs: {}", t.luns.size()), {}};
    for (const auto& l : t.luns) {
      const Backstore* b = lio.backstore(l.backstore);
      luns.children.push_back({fmt::format("lun{}", l.lun),
                               fmt::format("{} ({}) (default_tg_pt_gp)", l.backstore, b ? b->device : ""),
                               {}});
    }
    TreeNode portals{"portals", fmt::format("Portals: {}", t.portals.size()), {}};
    for (const auto& p : t.portals) portals.children.push_back({p, "OK", {}});
    tpg.children = {acls, luns, portals};
    iscsi.children.push_back({t.iqn, "TPGs: 1", {tpg}});
  }
  root.children.push_back(iscsi);
  for (const char* fabric : {"loopback", "vhost", "xen-pvscsi"})
    root.children.push_back({fabric, "Targets: 0", {}});
  return root;
}

// configfs calls a backstore's HBA folder after the plugin: core/iblock_0/lun01.
std::string hba_dir(const Backstore& b) {
  std::string plugin = b.type == "block" ? "iblock" : b.type == "ramdisk" ? "rd_mcp" : b.type;
  return fmt::format("{}_{}", plugin, b.hba_index);
}

// The ten hex digits targetcli names a LUN link with (random there; a stable hash here).
std::string link_name(std::string_view what) {
  return fmt::format("{:010x}", text::fnv1a(what) & 0xffffffffffULL);
}

// configfs lists the newest entry first.
template <typename T>
std::vector<const T*> newest_first(const std::vector<T>& v) {
  std::vector<const T*> out;
  for (auto it = v.rbegin(); it != v.rend(); ++it) out.push_back(&*it);
  return out;
}

}  // namespace

std::string render_lio_tree(const SimState& s) {
  const Lio& lio = s.lio;
  std::string out = "d iscsi\t\n";
  if (lio.running)
    for (const Target* t : newest_first(lio.targets)) {
      std::string tpg = fmt::format("iscsi/{}/tpgt_1", t->iqn);
      out += fmt::format("d iscsi/{}\t\nd {}\t\nd {}/acls\t\n", t->iqn, tpg, tpg);
      for (const auto* a : newest_first(t->acls)) {
        out += fmt::format("d {}/acls/{}\t\n", tpg, *a);
        for (const TargetLun* l : newest_first(t->luns))
          out += fmt::format(
              "d {0}/acls/{1}/lun_{2}\t\nl "
              "{0}/acls/{1}/lun_{2}/{3}\t../../../../../../../target/{0}/lun/lun_{2}\n",
              tpg, *a, l->lun, link_name(*a + tpg + std::to_string(l->lun)));
      }
      out += fmt::format("d {}/np\t\n", tpg);
      for (const auto* p : newest_first(t->portals)) out += fmt::format("d {}/np/{}\t\n", tpg, *p);
      out += fmt::format("d {}/lun\t\n", tpg);
      for (const TargetLun* l : newest_first(t->luns)) {
        out += fmt::format("d {}/lun/lun_{}\t\n", tpg, l->lun);
        if (const Backstore* b = lio.backstore(l->backstore))
          out += fmt::format("l {0}/lun/lun_{1}/{2}\t../../../../../../target/core/{3}/{4}\n", tpg, l->lun,
                             link_name(tpg + std::to_string(l->lun)), hba_dir(*b), b->name);
      }
    }
  out += "d core\t\n";
  if (lio.running)
    for (const Backstore* b : newest_first(lio.backstores))
      out += fmt::format("d core/{0}\t\nd core/{0}/{1}\t\nd core/{0}/{1}/action\t\n", hba_dir(*b), b->name);
  return out;
}

Rendered render_lio_values(const SimState& s) {
  const Lio& lio = s.lio;
  std::string root(kLioConfigfsRoot), out;
  if (lio.running) {
    for (const Target* t : newest_first(lio.targets))
      out += fmt::format("{}/iscsi/{}/tpgt_1/enable:{}\n", root, t->iqn, t->tpg_enabled ? 1 : 0);
    for (const Backstore* b : newest_first(lio.backstores)) {
      std::string dir = fmt::format("{}/core/{}/{}", root, hba_dir(*b), b->name);
      out += fmt::format(
          "{0}/wwn/vpd_unit_serial:T10 VPD Unit Serial Number: {1}\n{0}/enable:1\n{0}/udev_path:{2}\n", dir,
          b->serial, b->device);
    }
  }
  return {out, "", out.empty() ? 1 : 0};  // grep exits 1 when nothing matched
}

std::string render_targetcli_ls(const SimState& s) {
  TreeNode root = build_tree(s);
  std::string out;
  print(root, "", out);
  render_children(root, "  ", out);
  return out;
}

std::string render_ss_listen(const SimState& s) {
  std::string out = fmt::format("LISTEN 0      128          0.0.0.0:22        0.0.0.0:*          \n");
  if (s.lio.running && !s.lio.targets.empty())
    for (const auto& p : s.topology.portals())
      out += fmt::format("LISTEN 0      256    {:>15}:{:<5}     0.0.0.0:*          \n", portal_ip(p),
                         portal_port(p));
  return out;
}

std::string render_lio_saveconfig(const SimState& s) {
  // The keys rtslib-fb's save_to_file() writes that stackdr reads (the real file also holds
  // every attribute and parameter of each object: shared/corpus/lab/saveconfig.json).
  nlohmann::json j;
  j["fabric_modules"] = nlohmann::json::array();
  j["storage_objects"] = nlohmann::json::array();
  for (const auto& b : s.saved_lio.backstores)
    j["storage_objects"].push_back(
        {{"dev", b.device}, {"name", b.name}, {"plugin", b.type}, {"readonly", false}, {"wwn", b.serial}});
  j["targets"] = nlohmann::json::array();
  for (const auto& t : s.saved_lio.targets) {
    nlohmann::json tpg{{"enable", t.tpg_enabled}, {"tag", 1}};
    tpg["luns"] = nlohmann::json::array();
    for (const auto& l : t.luns)
      tpg["luns"].push_back({{"index", l.lun}, {"storage_object", "/backstores/" + l.backstore}});
    tpg["node_acls"] = nlohmann::json::array();
    for (const auto& a : t.acls) {
      nlohmann::json mapped = nlohmann::json::array();
      for (const auto& l : t.luns)
        mapped.push_back({{"index", l.lun}, {"tpg_lun", l.lun}, {"write_protect", false}});
      tpg["node_acls"].push_back({{"mapped_luns", mapped}, {"node_wwn", a}});
    }
    tpg["portals"] = nlohmann::json::array();
    for (const auto& p : t.portals)
      tpg["portals"].push_back(
          {{"ip_address", portal_ip(p)}, {"iser", false}, {"offload", false}, {"port", portal_port(p)}});
    j["targets"].push_back({{"fabric", "iscsi"}, {"tpgs", {tpg}}, {"wwn", t.iqn}});
  }
  return j.dump(2) + "\n";
}

}  // namespace stackdr::sim
