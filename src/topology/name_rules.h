#pragma once
/// Name rules: what each kind of name in the topology may be, checked when it is read. Every
/// name ends up as an argv word of mdadm, iscsiadm, targetcli, zfs, virsh or umount; a name
/// that starts with '-' becomes an option (`device: --scan` planned `mdadm --assemble --scan`),
/// one with a space splits again inside targetcli, one that is not UTF-8 cannot be reported.
/// So names are held to what their tool documents (RFC 3720 iSCSI names, ZFS dataset names,
/// absolute /dev paths, libvirt domain names), or to a safe subset of it, and refused otherwise
/// with the rule they broke.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stackdr::name_rules {

/// Each returns why `s` is refused, or nothing when it is acceptable.
std::optional<std::string> label(std::string_view s);        // host keys, LUN, array and backstore names
std::optional<std::string> iscsi_name(std::string_view s);   // iqn.YYYY-MM.reversed.domain[:id], eui., naa.
std::optional<std::string> zfs_dataset(std::string_view s);  // pool[/child...]
std::optional<std::string> dev_path(std::string_view s);     // /dev/...
std::optional<std::string> mountpoint(std::string_view s);   // absolute path
std::optional<std::string> domain_name(std::string_view s);  // libvirt domain
std::optional<std::string> disk_id(std::string_view s);      // a /dev/disk/by-id entry name
std::optional<std::string> unit_name(std::string_view s);    // systemd unit
std::optional<std::string> address(std::string_view s);      // host name or IP address
std::optional<std::string> portal(std::string_view s);       // ADDRESS:PORT
std::optional<std::string> user_name(std::string_view s);    // a login name (ssh -l)
std::optional<std::string> local_path(std::string_view s);   // an absolute file path here (ssh -i)
std::optional<std::string> ssh_option(std::string_view s);   // Key=Value for ssh -o

}  // namespace stackdr::name_rules
