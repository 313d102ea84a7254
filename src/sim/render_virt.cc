#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

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

// virsh's tables (libvirt's vsh-table), as its list and domblklist print them: each column as
// wide as its widest cell or header, three spaces between, a space before the first, the last
// left unpadded; under the header a rule of dashes as long as the widest line plus two; an
// empty line after the rows.
std::string vsh_table(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w;
  for (const auto& h : header) w.push_back(h.size());
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], r[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i)
      out += i + 1 < cells.size() ? fmt::format(" {:<{}}  ", cells[i], w[i]) : " " + cells[i];
    return out + "\n";
  };
  size_t width = 1 + 3 * (w.size() - 1);
  for (size_t x : w) width += x;
  std::string out = line(header) + std::string(width + 2, '-') + "\n";
  for (const auto& r : rows) out += line(r);
  return out + "\n";
}

}  // namespace

Rendered render_virsh_list(const SimState& s) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : s.vms)
    rows.push_back(
        {v.state == "running" || v.state == "paused" ? std::to_string(v.id) : "-", v.name, v.state});
  return {vsh_table({"Id", "Name", "State"}, rows), "", 0};
}

Rendered render_virsh_domblklist(const SimState& s, std::string_view domain) {
  const Vm* v = find_vm(s, domain);
  if (!v) return no_domain(domain);
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : v->disks)
    if (d.attached) rows.push_back({d.target, d.source});
  return {vsh_table({"Target", "Source"}, rows), "", 0};
}

Rendered render_virsh_domstate(const SimState& s, std::string_view domain, bool reason) {
  const Vm* v = find_vm(s, domain);
  if (!v) return no_domain(domain);
  return {v->state + (reason ? " (" + v->reason + ")" : "") + "\n\n", "", 0};
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
