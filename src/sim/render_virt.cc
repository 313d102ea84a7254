#include <fmt/format.h>

#include "sim/renderers.h"
#include "util/text.h"

namespace stackdr::sim {

namespace {

const Vm* find_vm(const SimState& s, std::string_view name) {
  for (const auto& v : s.vms)
    if (v.name == name) return &v;
  return nullptr;
}

Rendered no_domain(std::string_view name) {
  return {"", fmt::format("error: failed to get domain '{}'\n\n", name), 1};
}

}  // namespace

Rendered render_virsh_list(const SimState& s) {
  size_t w = 4;
  for (const auto& v : s.vms) w = std::max(w, v.name.size());
  std::string out = fmt::format(" {:<4} {:<{}}   State\n", "Id", "Name", w);
  out += std::string(out.size() - 1 + 2, '-') + "\n";
  for (const auto& v : s.vms)
    out += fmt::format(" {:<4} {:<{}}   {}\n",
                       v.state == "running" || v.state == "paused" ? std::to_string(v.id) : "-", v.name, w,
                       v.state);
  return {out + "\n", "", 0};
}

Rendered render_virsh_domblklist(const SimState& s, std::string_view domain) {
  const Vm* v = find_vm(s, domain);
  if (!v) return no_domain(domain);
  size_t w = 6;
  for (const auto& d : v->disks) w = std::max(w, d.target.size());
  std::string out = fmt::format(" {:<{}}   Source\n", "Target", w);
  out += std::string(w + 40, '-') + "\n";
  for (const auto& d : v->disks)
    if (d.attached) out += fmt::format(" {:<{}}   {}\n", d.target, w, d.source);
  return {out + "\n", "", 0};
}

Rendered render_virsh_domstate(const SimState& s, std::string_view domain) {
  const Vm* v = find_vm(s, domain);
  if (!v) return no_domain(domain);
  return {v->state + "\n\n", "", 0};
}

namespace {
// A shut-down ext4 is still listed rw (Linux 6.1); only a real read-only mount says ro.
std::string mount_line(const GuestMount& m) {
  return fmt::format("{} {} {} {},relatime 0 0\n", m.device, m.mountpoint, m.fstype,
                     m.read_only && !m.shut_down ? "ro" : "rw");
}
}  // namespace

std::string render_guest_mounts(const SimState& s, std::string_view guest_host) {
  std::string out =
      "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime "
      "0 0\n"
      "/dev/vda1 / ext4 rw,relatime,errors=remount-ro 0 0\n";
  for (const auto& vc : s.topology.vms) {
    if (vc.guest != guest_host) continue;
    for (const auto& v : s.vms) {
      if (v.name != vc.name) continue;
      for (const auto& m : v.mounts)
        if (m.mounted) out += mount_line(m);
    }
  }
  if (auto h = s.host_mounts.find(std::string(guest_host)); h != s.host_mounts.end())
    for (const auto& m : h->second)
      if (m.mounted) out += mount_line(m);
  return out;
}

std::string render_dmesg(const SimState& s, std::string_view host) {
  std::string out;
  auto it = s.kernel_log.find(std::string(host));
  if (it == s.kernel_log.end()) return out;
  for (const auto& l : it->second) out += l + "\n";
  return out;
}

}  // namespace stackdr::sim
