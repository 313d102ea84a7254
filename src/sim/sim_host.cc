#include "sim/sim_host.h"

#include <fmt/format.h>

#include <algorithm>

#include "probe/probe_argv.h"
#include "sim/renderers.h"
#include "sim/sim_commands.h"
#include "util/text.h"

namespace stackdr::sim {

namespace {

CommandResult from(const Rendered& r) {
  CommandResult c;
  c.out = r.out;
  c.err = r.err;
  c.exit_code = r.rc;
  return c;
}

CommandResult not_found(const Argv& argv) {
  CommandResult c;
  c.started = false;
  c.exit_code = 127;
  c.err = argv[0] + ": command not found on this simulated host";
  return c;
}

CommandResult usage(const Argv& argv) {
  CommandResult c;
  c.exit_code = 2;
  c.err = fmt::format("{}: the simulated stack does not know this invocation: {}\n", argv[0],
                      describe_argv(argv));
  return c;
}

// The storage server's read-only commands: ZFS, LIO's configfs, its listeners, its disks.
CommandResult run_on_storage(const SimState& s, const Argv& argv) {
  const std::string& cmd = argv[0];
  if (cmd == "zpool" && argv.size() >= 2 && argv[1] == "status") {
    if (argv_has(argv, "-j"))
      return from({"",
                   "invalid option 'j'\nusage:\n\tstatus [-c [script1,script2,...]] [-igLpPstvxD]  [-T "
                   "d|u] [pool] ... \n",
                   2});
    return from(render_zpool_status(s, argv.back() == "status" || argv.back() == "-v" ? "" : argv.back()));
  }
  if (cmd == "zfs" && argv.size() >= 8 && argv[1] == "list" && argv[2] == "-H" && argv[3] == "-o" &&
      argv[4] == "name" && argv[5] == "-t" && argv[6] == "snapshot") {
    Argv names(argv.begin() + 7, argv.end());
    std::erase(names, "--");  // the end of options, as zfs's getopt takes it
    if (names.size() != 1) return usage(argv);
    return from(zfs_list_snapshot(s, names[0]));
  }
  if (cmd == "zfs" && argv.size() >= 4 && argv[1] == "holds" && argv[2] == "-Hp") {
    Argv names(argv.begin() + 3, argv.end());
    std::erase(names, "--");
    if (names.size() != 1) return usage(argv);
    return from(zfs_holds(s, names[0]));
  }
  if (cmd == "zfs" && argv.size() >= 6 && argv[1] == "get") {
    // zfs get -Hp -o name,property,value,source PROPS DATASET...
    size_t i = 2;
    while (i < argv.size() && argv[i][0] == '-') i += argv[i] == "-o" || argv[i] == "-t" ? 2 : 1;
    if (i >= argv.size()) return usage(argv);
    std::vector<std::string> props;
    for (auto p : text::split(argv[i], ',')) props.emplace_back(p);
    Argv datasets(argv.begin() + static_cast<long>(i) + 1, argv.end());
    std::erase(datasets, "--");  // the end of options, as zfs's getopt takes it
    if (argv_has(argv, "-r")) {  // -r -t volume POOL: every volume under it
      Argv under;
      for (const auto& d : datasets)
        for (const auto& z : s.zvols)
          if (text::starts_with(z.name, d + "/")) under.push_back(z.name);
      datasets = under;
      if (datasets.empty()) return from({"", "", 0});
    }
    return from(render_zfs_get(s, props, datasets));
  }
  if (cmd == "ls" && argv.size() == 3 && argv[1] == "-l" && text::starts_with(argv[2], "/dev/zvol/"))
    return from(render_zvol_links(s, argv[2]));
  if (cmd == "targetcli" && argv.size() == 2 && argv[1] == "ls") return from({render_targetcli_ls(s), "", 0});
  if (argv == probe_argv::lio_tree()) return from({render_lio_tree(s), "", 0});
  if (argv == probe_argv::lio_values()) return from(render_lio_values(s));
  if (cmd == "ss") return from({render_ss_listen(s), "", 0});
  if (cmd == "zpool" && argv.size() >= 2 && argv.size() <= 4 && argv[1] == "events") {
    Argv rest(argv.begin() + 2, argv.end());
    bool scripted = argv_has(rest, "-H");
    std::erase(rest, "-H");
    if (rest.size() > 1 || (!rest.empty() && rest[0][0] == '-')) return usage(argv);  // -v, -f: not simulated
    return from(render_zpool_events(s, scripted, rest.empty() ? "" : rest[0]));
  }
  if (cmd == "zpool" && argv.size() == 7 && argv[1] == "get")
    return from(render_zpool_get(s, argv[5], argv[6]));
  // The simulated storage server's target unit is the one its topology names (recovery starts
  // it: `systemctl start target` works there), or Debian's when the topology names none.
  if (argv == probe_argv::unit_enabled(s.topology.storage.service.empty()
                                           ? "rtslib-fb-targetctl.service"
                                           : s.topology.storage.service + ".service"))
    return from(s.target_unit_enabled ? Rendered{"enabled\n", "", 0} : Rendered{"disabled\n", "", 1});
  if (cmd == "systemctl" && argv.size() == 3 && argv[1] == "is-enabled")
    return from(
        {"", fmt::format("Failed to get unit file state for {}: No such file or directory\n", argv[2]), 1});
  if (cmd == "smartctl") return from(render_smartctl(s, argv.back()));
  return not_found(argv);
}

// The KVM host's read-only commands: md, open-iscsi, its disks, libvirt.
CommandResult run_on_kvm(const SimState& s, const Argv& argv) {
  const std::string& cmd = argv[0];
  if (cmd == "mdadm" && argv.size() == 3 && argv[1] == "--detail")
    return from(render_mdadm_detail(s, argv[2]));
  if (cmd == "mdadm" && argv.size() == 3 && argv[1] == "--examine")
    return from(render_mdadm_examine(s, argv[2]));
  if (cmd == "iscsiadm" && argv_has(argv, "session")) {
    std::string p = argv_after(argv, "-P");
    return from(render_iscsiadm_session(s, p.empty() ? 0 : static_cast<int>(text::to_int(p).value_or(0))));
  }
  if (cmd == "ls" && argv.size() == 3 && argv[2] == "/dev/disk/by-path")
    return from({render_by_path(s), "", 0});
  if (cmd == "lsblk" && argv_has(argv, "-J")) return from({render_lsblk_json(s), "", 0});
  if (cmd == "virsh" && argv.size() >= 2) {
    if (argv[1] == "list") return from(render_virsh_list(s));
    if (argv[1] == "domblklist" && argv.size() == 3) return from(render_virsh_domblklist(s, argv[2]));
    if (argv[1] == "domstate" && argv.size() == 3) return from(render_virsh_domstate(s, argv[2], false));
    if (argv[1] == "domstate" && argv.size() == 4 && argv[3] == "--reason")
      return from(render_virsh_domstate(s, argv[2], true));
  }
  if (cmd == "ping") return from(render_ping(s, argv.back()));
  if (cmd == "iscsiadm" && argv_after(argv, "-m") == "node" && !argv_has(argv, "update"))
    return from(render_iscsiadm_node(s, argv_after(argv, "-T"), argv_after(argv, "-p")));
  return not_found(argv);
}

}  // namespace

CommandResult SimHost::run(const Argv& argv, std::chrono::milliseconds) {
  log_.push_back(argv);
  if (argv.empty()) return usage({"(empty)"});
  if (auto changed = run_state_command(*state_, name_, argv)) {
    state_->actions.push_back({name_, argv});
    return from(*changed);
  }
  const SimState& s = *state_;
  const std::string& cmd = argv[0];
  if (cmd == "dmesg") return from({render_dmesg(s, name_), "", 0});
  if (cmd == "journalctl") return from(render_journalctl(s, name_, argv));
  if (name_ == s.storage_host) return run_on_storage(s, argv);
  if (name_ == s.kvm_host) return run_on_kvm(s, argv);
  return not_found(argv);
}

Result<std::string> SimHost::read_file(const std::string& path) {
  const SimState& s = *state_;
  if (name_ == s.kvm_host && path == "/proc/mdstat") return render_mdstat(s);
  if (name_ == s.kvm_host && text::starts_with(path, "/sys/block/md"))
    if (auto v = render_md_sysfs(s, path)) return *v;
  if (name_ == s.kvm_host && path == "/etc/mdadm/mdadm.conf") return render_mdadm_conf(s);
  if (name_ == s.storage_host && path == "/proc/spl/kstat/zfs/arcstats") return render_arcstats(s);
  if (name_ == s.storage_host && path == "/etc/rtslib-fb-target/saveconfig.json")
    return render_lio_saveconfig(s);
  if (name_ != s.storage_host && (path == "/proc/mounts" || path == "/proc/self/mounts"))
    return render_guest_mounts(s, name_);
  return Error{fmt::format("{}: No such file or directory (simulated host {})", path, name_)};
}

}  // namespace stackdr::sim
