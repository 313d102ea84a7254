#include "probe/probe_argv.h"

#include "probe/lio_configfs.h"

namespace stackdr {

namespace probe_argv {
std::vector<std::string> zpool_status(const std::string& pool) {
  return {"zpool", "status", "-v", pool};
}
std::vector<std::string> zfs_get_lun_owners(const std::string& pool) {
  return {"zfs",         "get", "-Hp", "-r", "-t", "volume", "-o", "name,property,value,source",
          "stackdr:lun", "--",  pool};
}
std::vector<std::string> zfs_get_volumes(const std::vector<std::string>& zvols) {
  std::vector<std::string> a{"zfs", "get", "-Hp", "-o", "name,property,value,source", "volmode,volsize"};
  a.insert(a.end(), zvols.begin(), zvols.end());
  return a;
}
std::vector<std::string> lio_tree() {
  // Attribute folders are pruned: the structure is all the tree is read for.
  return {"find",
          std::string(kLioConfigfsRoot),
          "-mindepth",
          "1",
          "(",
          "-name",
          "attrib",
          "-o",
          "-name",
          "param",
          "-o",
          "-name",
          "auth",
          "-o",
          "-name",
          "statistics",
          "-o",
          "-name",
          "fabric_statistics",
          "-o",
          "-name",
          "alua",
          "-o",
          "-name",
          "pr",
          "-o",
          "-name",
          "discovery_auth",
          "-o",
          "-name",
          "wwn",
          ")",
          "-prune",
          "-o",
          "(",
          "-type",
          "d",
          "-o",
          "-type",
          "l",
          ")",
          "-printf",
          "%y %P\t%l\n"};
}
std::vector<std::string> lio_values() {
  return {"grep",
          "-rs",
          "--include=udev_path",
          "--include=enable",
          "--include=vpd_unit_serial",
          "",
          std::string(kLioConfigfsRoot)};
}
std::vector<std::string> ss_listen() {
  return {"ss", "-Htln"};
}
std::vector<std::string> mdadm_detail(const std::string& device) {
  return {"mdadm", "--detail", device};
}
std::vector<std::string> mdadm_examine(const std::string& device) {
  return {"mdadm", "--examine", device};
}
std::vector<std::string> iscsiadm_sessions() {
  return {"iscsiadm", "-m", "session", "-P", "3"};
}
std::vector<std::string> ls_by_path() {
  return {"ls", "-l", "/dev/disk/by-path"};
}
std::vector<std::string> lsblk() {
  return {"lsblk", "-J", "-o", "NAME,SIZE,TYPE,MOUNTPOINT,SERIAL,WWN"};
}
std::vector<std::string> virsh_list() {
  return {"virsh", "list", "--all"};
}
std::vector<std::string> virsh_domblklist(const std::string& domain) {
  return {"virsh", "domblklist", domain};
}
std::vector<std::string> virsh_domstate_reason(const std::string& domain) {
  return {"virsh", "domstate", domain, "--reason"};
}
std::vector<std::string> ping(const std::string& address) {
  return {"ping", "-c", "1", "-W", "1", address};
}
std::vector<std::string> dmesg() {
  return {"dmesg"};
}
std::vector<std::string> smartctl(const std::string& disk) {
  return {"smartctl", "-j", "-H", "-A", "/dev/disk/by-id/" + disk};
}
std::vector<std::string> ls_zvols(const std::string& pool) {
  return {"ls", "-l", "/dev/zvol/" + pool};
}
std::vector<std::string> iscsiadm_nodes() {
  return {"iscsiadm", "-m", "node", "-o", "show"};
}
std::vector<std::string> zpool_get(const std::string& pool, const std::string& props) {
  return {"zpool", "get", "-Hp", "-o", "property,value", props, pool};
}
std::vector<std::string> unit_enabled(const std::string& unit) {
  return {"systemctl", "is-enabled", unit};
}
}  // namespace probe_argv

}  // namespace stackdr
