#include "probe/parser_registry.h"

#include "probe/arcstats.h"
#include "probe/disk_links.h"
#include "probe/dmesg_raw.h"
#include "probe/iscsi_sysfs.h"
#include "probe/iscsiadm_node.h"
#include "probe/iscsiadm_session.h"
#include "probe/journal_json.h"
#include "probe/kernel_log.h"
#include "probe/lio_configfs.h"
#include "probe/lio_saveconfig.h"
#include "probe/listeners.h"
#include "probe/lsblk.h"
#include "probe/md_sysfs.h"
#include "probe/mdadm_detail.h"
#include "probe/mdadm_examine.h"
#include "probe/mdstat.h"
#include "probe/mounts.h"
#include "probe/smartctl.h"
#include "probe/targetcli_ls.h"
#include "probe/virsh.h"
#include "probe/zfs_get.h"
#include "probe/zpool_status.h"

namespace stackdr {

namespace {

// Adapts a typed parser to the registry's JSON signature.
template <typename Fn>
std::function<Result<nlohmann::json>(std::string_view, std::string_view)> as_json(Fn fn) {
  return [fn](std::string_view text, std::string_view source) -> Result<nlohmann::json> {
    auto r = fn(text, source);
    if (!r) return r.error();
    nlohmann::json j;
    to_json(j, *r);
    return j;
  };
}

Result<nlohmann::json> badblocks_json(std::string_view text, std::string_view source) {
  auto r = parse_examine_badblocks(text, source);
  if (!r) return r.error();
  nlohmann::json j{{"bad_blocks", nlohmann::json::array()}};
  for (const auto& b : *r) j["bad_blocks"].push_back({{"sector", b.sector}, {"length", b.length}});
  return j;
}

Result<nlohmann::json> domstate_json(std::string_view text, std::string_view source) {
  auto r = parse_virsh_domstate(text, source);
  if (!r) return r.error();
  return nlohmann::json{{"state", r->state}, {"reason", r->reason}};
}

Result<nlohmann::json> session_json(std::string_view text, std::string_view source) {
  auto r = parse_iscsiadm_session(text, source);
  if (!r) return r.error();
  nlohmann::json j;
  to_json(j, *r);
  return j;
}

}  // namespace

const std::vector<ParserEntry>& parser_registry() {
  static const std::vector<ParserEntry> r = {
      {"mdstat", "/proc/mdstat", as_json(parse_mdstat)},
      {"mdadm-detail", "mdadm --detail /dev/mdN", as_json(parse_mdadm_detail)},
      {"mdadm-examine", "mdadm --examine /dev/sdX", as_json(parse_mdadm_examine)},
      {"mdadm-examine-badblocks", "mdadm --examine-badblocks /dev/sdX", badblocks_json},
      {"md-sysfs", "/sys/block/mdN/md/{array_state,degraded,dev-*/state,dev-*/bad_blocks}",
       as_json(parse_md_sysfs_dump)},
      {"zpool-status", "zpool status -v POOL", as_json(parse_zpool_status)},
      {"zpool-status-json", "zpool status -j [--json-int] POOL", as_json(parse_zpool_status_json)},
      {"zfs-get", "zfs get -Hp -o name,property,value,source PROPS DATASET...", as_json(parse_zfs_get)},
      {"targetcli-ls", "targetcli ls", as_json(parse_targetcli_ls)},
      {"lio-tree", "find /sys/kernel/config/target ... -printf '%y %P\\t%l\\n' (stackdr's LIO read)",
       as_json(parse_lio_tree)},
      {"lio-values",
       "grep -rs --include=udev_path --include=enable --include=vpd_unit_serial '' "
       "/sys/kernel/config/target",
       as_json(parse_lio_values)},
      {"iscsiadm-session", "iscsiadm -m session [-P 1|2|3]", session_json},
      {"iscsiadm-node", "iscsiadm -m node -o show (open-iscsi's node records)", as_json(parse_iscsiadm_node)},
      {"lio-saveconfig", "targetcli's saveconfig.json (/etc/rtslib-fb-target/)",
       as_json(parse_lio_saveconfig)},
      {"iscsi-sysfs", "/sys/class/iscsi_session/*, /sys/class/iscsi_connection/* dump",
       as_json(parse_iscsi_sysfs)},
      {"lsblk", "lsblk -J -o NAME,SIZE,TYPE,MOUNTPOINT,SERIAL,WWN (also -P and table)", as_json(parse_lsblk)},
      {"disk-links", "ls -l /dev/disk/by-path (or by-id, /dev/zvol/POOL)", as_json(parse_disk_links)},
      {"smartctl", "smartctl -j -a /dev/X", as_json(parse_smartctl_json)},
      {"virsh-list", "virsh list --all", as_json(parse_virsh_list)},
      {"virsh-domblklist", "virsh domblklist DOMAIN", as_json(parse_virsh_domblklist)},
      {"virsh-domstate", "virsh domstate DOMAIN", domstate_json},
      {"virsh-dominfo", "virsh dominfo DOMAIN", as_json(parse_virsh_dominfo)},
      {"kmsg", "dmesg / dmesg -T / /dev/kmsg records", as_json(parse_kernel_log)},
      {"mounts", "/proc/mounts", as_json(parse_mounts)},
      {"journal-json", "journalctl -o json (one object per line)", as_json(parse_journal_json)},
      {"arcstats", "/proc/spl/kstat/zfs/arcstats", as_json(parse_arcstats)},
      {"dmesg-raw", "dmesg --raw (priority and time since boot per record)", as_json(parse_dmesg_raw)},
      {"ss-listen", "ss -Htln", as_json(parse_ss_listeners)},
  };
  return r;
}

const ParserEntry* find_parser(std::string_view kind) {
  for (const auto& e : parser_registry())
    if (e.kind == kind) return &e;
  return nullptr;
}

}  // namespace stackdr
