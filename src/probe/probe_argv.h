#pragma once
/// probe_argv: the argv of every read a sweep makes, in one place — the observer runs them, the
/// simulated stack answers them, and a bundle of captured output is keyed by them.

#include <string>
#include <vector>

namespace stackdr {

/// The argv of each probe, in one place (also what `stackdr collect` will capture).
namespace probe_argv {
std::vector<std::string> zpool_status(const std::string& pool);
std::vector<std::string> zfs_get_volumes(const std::vector<std::string>& zvols);
/// Which LUN each volume of the pool was made for (`stackdr:lun`, set by `lun create`; a user
/// property follows a zvol through `zfs rename`), read when a LUN's zvol is not where it was.
std::vector<std::string> zfs_get_lun_owners(const std::string& pool);
std::vector<std::string> lio_tree();    // find over /sys/kernel/config/target (lio_configfs.h)
std::vector<std::string> lio_values();  // grep -rs of its udev_path, enable and vpd_unit_serial files
std::vector<std::string> ss_listen();
std::vector<std::string> mdadm_detail(const std::string& device);
std::vector<std::string> mdadm_examine(const std::string& device);
std::vector<std::string> iscsiadm_sessions();
std::vector<std::string> ls_by_path();
std::vector<std::string> lsblk();
std::vector<std::string> virsh_list();
std::vector<std::string> virsh_domblklist(const std::string& domain);
/// Why a domain is in its state (paused on an I/O error, or by its user).
std::vector<std::string> virsh_domstate_reason(const std::string& domain);
std::vector<std::string> ping(const std::string& address);
std::vector<std::string> dmesg();
std::vector<std::string> smartctl(const std::string& disk);
std::vector<std::string> ls_zvols(const std::string& pool);
// Settings (ObserveOptions::settings):
std::vector<std::string> iscsiadm_nodes();  // every node record
std::vector<std::string> zpool_get(const std::string& pool, const std::string& props);
std::vector<std::string> unit_enabled(const std::string& unit);  // systemctl is-enabled
}  // namespace probe_argv

}  // namespace stackdr
