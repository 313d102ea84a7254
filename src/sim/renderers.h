#pragma once
/// The simulated stack's renderers: for a SimState, the exact text each real tool prints
/// (formats taken from the captures in shared/corpus). One function per tool output.

#include <optional>
#include <string>
#include <string_view>

#include "sim/sim_state.h"

namespace stackdr::sim {

/// A command's stdout, stderr and exit status.
struct Rendered {
  std::string out, err;
  int rc = 0;
};

// md (render_md.cc)
std::string render_mdstat(const SimState& s);
Rendered render_mdadm_detail(const SimState& s, std::string_view device);
Rendered render_mdadm_examine(const SimState& s, std::string_view device);
/// A file under /sys/block/mdN/md/, or nullopt when it does not exist.
std::optional<std::string> render_md_sysfs(const SimState& s, std::string_view path);
/// mdadm's human size: "(511.00 MiB 535.82 MB)" for a size in bytes.
std::string mdadm_human_size(int64_t bytes);

// ZFS (render_zfs.cc)
Rendered render_zpool_status(const SimState& s, std::string_view pool);
Rendered render_zfs_get(const SimState& s, const std::vector<std::string>& properties,
                        const std::vector<std::string>& datasets);
Rendered render_zvol_links(const SimState& s, std::string_view dir);
Rendered render_smartctl(const SimState& s, std::string_view device);
Rendered render_zpool_get(const SimState& s, std::string_view props, std::string_view pool);
/// `zpool events [-H] [POOL]`: the pool's event queue, oldest first ("" = every pool).
Rendered render_zpool_events(const SimState& s, bool scripted, std::string_view pool);

// LIO (render_lio.cc)
std::string render_targetcli_ls(const SimState& s);
std::string render_lio_tree(const SimState& s);  // find over /sys/kernel/config/target
Rendered render_lio_values(const SimState& s);   // grep -rs of its attribute files
std::string render_ss_listen(const SimState& s);
/// targetcli's saveconfig.json of what `targetcli saveconfig` last saved (saved_lio).
std::string render_lio_saveconfig(const SimState& s);

// open-iscsi and block devices on the KVM host (render_iscsi.cc)
Rendered render_iscsiadm_session(const SimState& s, int detail_level);
std::string render_by_path(const SimState& s);
std::string render_lsblk_json(const SimState& s);
Rendered render_ping(const SimState& s, std::string_view address);
// open-iscsi's node records (render_iscsi_node.cc): `iscsiadm -m node [-T IQN -p PORTAL]`.
std::string render_node_record(const NodeRecord& n);
Rendered render_iscsiadm_node(const SimState& s, std::string_view target, std::string_view portal);

// libvirt and the guests (render_virt.cc)
Rendered render_virsh_list(const SimState& s);
Rendered render_virsh_domblklist(const SimState& s, std::string_view domain);
/// `virsh domstate DOMAIN [--reason]`.
Rendered render_virsh_domstate(const SimState& s, std::string_view domain, bool reason);
std::string render_guest_mounts(const SimState& s, std::string_view guest_host);
std::string render_dmesg(const SimState& s, std::string_view host);

// System records (render_system.cc)
/// `journalctl [-k | -u UNIT] -o json [-p LEVEL] [--since @T] [--until @T]`: the kernel's lines
/// with their printk levels; the simulated services log nothing of their own.
Rendered render_journalctl(const SimState& s, const std::string& host, const std::vector<std::string>& argv);
/// /proc/spl/kstat/zfs/arcstats of the storage host.
std::string render_arcstats(const SimState& s);
/// /etc/mdadm/mdadm.conf on the KVM host: one ARRAY line per array, and MAILADDR.
std::string render_mdadm_conf(const SimState& s);

}  // namespace stackdr::sim
