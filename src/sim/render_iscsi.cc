#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "sim/renderers.h"

namespace stackdr::sim {

namespace {

std::string ls_time(int64_t t) {
  return ctime_string(t).substr(4, 12);
}

// util-linux's size_to_human_string: one decimal, dropped when it is zero.
std::string lsblk_size(int64_t bytes) {
  const char* units = "BKMGTPE";
  int exp = 0;
  int64_t v = bytes;
  while (v >= 1024 && exp < 6) {
    v /= 1024;
    ++exp;
  }
  if (exp == 0) return fmt::format("{}B", bytes);
  double frac = static_cast<double>(bytes) / static_cast<double>(1LL << (10 * exp)) - static_cast<double>(v);
  int dec = static_cast<int>(frac * 10 + 0.5);
  if (dec == 10) {
    ++v;
    dec = 0;
  }
  return dec ? fmt::format("{}.{}{}", v, dec, units[exp]) : fmt::format("{}{}", v, units[exp]);
}

// `lun`: the (last) topology LUN behind the session's target, or nullptr.
std::string session_block(const SimState& s, const Session& se, int level, const LunConfig* lun) {
  bool up = se.session_state == "LOGGED_IN";
  std::string ip = se.iface_ip.empty()
                       ? s.topology.host(s.kvm_host) ? s.topology.host(s.kvm_host)->address : ""
                       : se.iface_ip;
  std::string out = fmt::format("Target: {} (non-flash)\n\tCurrent Portal: {},1\n\tPersistent Portal: {},1\n",
                                se.target, se.portal, se.portal);
  out +=
      "\t\t**********\n\t\tInterface:\n\t\t**********\n\t\tIface Name: default\n\t\tIface Transport: tcp\n";
  out += fmt::format("\t\tIface Initiatorname: {}\n\t\tIface IPaddress: {}\n", s.initiator_iqn,
                     up ? ip : "[default]");
  out += "\t\tIface HWaddress: default\n\t\tIface Netdev: default\n";
  out += fmt::format(
      "\t\tSID: {}\n\t\tiSCSI Connection State: {}\n\t\tiSCSI Session State: {}\n\t\tInternal iscsid Session "
      "State: {}\n",
      se.sid, se.connection_state, se.session_state, se.internal_state);
  if (level < 2) return out;
  out += fmt::format(
      "\t\t*********\n\t\tTimeouts:\n\t\t*********\n\t\tRecovery Timeout: {}\n\t\tTarget Reset Timeout: 30\n"
      "\t\tLUN Reset Timeout: 30\n\t\tAbort Timeout: 15\n",
      se.recovery_timeout);
  out +=
      "\t\t*****\n\t\tCHAP:\n\t\t*****\n\t\tusername: <empty>\n\t\tpassword: ********\n\t\tusername_in: "
      "<empty>\n\t\tpassword_in: ********\n";
  out +=
      "\t\t************************\n\t\tNegotiated iSCSI params:\n\t\t************************\n"
      "\t\tHeaderDigest: None\n\t\tDataDigest: None\n\t\tMaxRecvDataSegmentLength: 262144\n"
      "\t\tMaxXmitDataSegmentLength: 262144\n\t\tFirstBurstLength: 65536\n\t\tMaxBurstLength: 262144\n"
      "\t\tImmediateData: Yes\n\t\tInitialR2T: Yes\n\t\tMaxOutstandingR2T: 1\n";
  if (level < 3) return out;
  out += "\t\t************************\n\t\tAttached SCSI devices:\n\t\t************************\n";
  out += fmt::format("\t\tHost Number: {}\tState: running\n", se.host_no);
  if (!se.disk.empty()) {
    out += fmt::format("\t\tscsi{} Channel 00 Id 0 Lun: {}\n", se.host_no, lun ? lun->lun : 0);
    out += fmt::format("\t\t\tAttached scsi disk {}\t\tState: {}\n", se.disk, se.disk_state);
  }
  return out;
}

}  // namespace

Rendered render_iscsiadm_session(const SimState& s, int level) {
  if (s.sessions.empty()) return {"", "iscsiadm: No active sessions.\n", 21};
  std::vector<const Session*> order;
  for (const auto& se : s.sessions) order.push_back(&se);
  std::sort(order.begin(), order.end(), [](const Session* a, const Session* b) { return a->sid < b->sid; });
  std::string out;
  if (level == 0) {
    for (const auto* se : order)
      out += fmt::format("tcp: [{}] {},1 {} (non-flash)\n", se->sid, se->portal, se->target);
    return {out, "", 0};
  }
  if (level >= 3) out += "iSCSI Transport Class version 2.0-870\nversion 2.1.8\n";
  std::unordered_map<std::string, const LunConfig*> lun_of_target;  // built once, not per session
  for (const auto& l : s.topology.luns) lun_of_target[l.target] = &l;
  for (const auto* se : order) {
    auto it = lun_of_target.find(se->target);
    out += session_block(s, *se, level, it == lun_of_target.end() ? nullptr : it->second);
  }
  return {out, "", 0};
}

std::string render_by_path(const SimState& s) {
  std::vector<std::pair<std::string, std::string>> links;  // name → device
  for (const auto& d : s.local_disks)
    for (const auto& p : d.by_path) links.push_back({p, d.name});
  // Built once (a scan of every LUN and session per link made a big stack quadratic).
  std::unordered_map<std::string, std::vector<const LunConfig*>> luns_of_target;
  for (const auto& l : s.topology.luns) luns_of_target[l.target].push_back(&l);
  std::unordered_map<std::string, int64_t> login_of_disk;  // the last session holding the disk
  for (const auto& se : s.sessions) {
    if (se.disk.empty()) continue;
    login_of_disk[se.disk] = se.login_time;
    if (auto it = luns_of_target.find(se.target); it != luns_of_target.end())
      for (const LunConfig* l : it->second)
        links.push_back({fmt::format("ip-{}-iscsi-{}-lun-{}", se.portal, se.target, l->lun), se.disk});
  }
  std::sort(links.begin(), links.end());
  std::string out = "total 0\n";
  for (const auto& [name, dev] : links) {
    auto login = login_of_disk.find(dev);
    int64_t t = login == login_of_disk.end() ? s.boot_time : login->second;
    std::string target = "../../" + dev;
    out += fmt::format("lrwxrwxrwx 1 root root {} {} {} -> {}\n", target.size(), ls_time(t), name, target);
  }
  return out;
}

std::string render_lsblk_json(const SimState& s) {
  struct Row {
    std::string name, size, type;
    std::optional<std::string> mountpoint, serial, wwn;
    std::vector<Row> children;
  };
  auto q = [](const std::optional<std::string>& v) { return v ? "\"" + *v + "\"" : std::string("null"); };
  std::vector<Row> rows;
  for (const auto& d : s.local_disks) {
    Row r{d.name, d.size, "disk", std::nullopt, std::nullopt, std::nullopt, {}};
    if (!d.mountpoint.empty()) r.mountpoint = d.mountpoint;
    rows.push_back(r);
  }
  // Built once: a scan per session of every LUN and every member made a big stack cubic.
  std::unordered_map<std::string, const LunConfig*> lun_of_target;  // the last LUN of a target
  for (const auto& l : s.topology.luns) lun_of_target[l.target] = &l;
  std::unordered_map<std::string, std::vector<const Array*>> arrays_on_disk;
  for (const auto& a : s.arrays) {
    if (a.state != "active") continue;
    for (const auto& m : a.members)
      if (m.in_array)
        if (std::string d = s.disk_of(m.lun); !d.empty()) arrays_on_disk[d].push_back(&a);
  }
  for (const auto& se : s.sessions) {
    if (se.disk.empty()) continue;
    auto lt = lun_of_target.find(se.target);
    const Backstore* b = lt == lun_of_target.end() ? nullptr : s.lio.backstore(lt->second->backstore());
    Row r{se.disk, lsblk_size(b ? b->size_bytes : 0), "disk", std::nullopt, std::nullopt, std::nullopt, {}};
    if (b) {
      r.serial = b->serial;
      r.wwn = b->wwn();
    }
    if (auto on = arrays_on_disk.find(se.disk); on != arrays_on_disk.end())
      for (const Array* a : on->second)
        r.children.push_back(Row{
            a->name, lsblk_size(a->size_kib * 1024), a->level, std::nullopt, std::nullopt, std::nullopt, {}});
    rows.push_back(r);
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.name < b.name; });
  std::string out = "{\n   \"blockdevices\": [\n";
  std::function<void(const Row&, const std::string&)> emit = [&](const Row& r, const std::string& ind) {
    out += ind + "   \"name\": \"" + r.name + "\",\n" + ind + "   \"size\": \"" + r.size + "\",\n" + ind +
           "   \"type\": \"" + r.type + "\",\n" + ind + "   \"mountpoint\": " + q(r.mountpoint) + ",\n" +
           ind + "   \"serial\": " + q(r.serial) + ",\n" + ind + "   \"wwn\": " + q(r.wwn) +
           (r.children.empty() ? "\n" : ",\n");
    if (!r.children.empty()) {
      out += ind + "   \"children\": [\n";
      for (size_t i = 0; i < r.children.size(); ++i) {
        out += ind + (i == 0 ? "      {\n" : "");
        emit(r.children[i], ind + "      ");
        out += ind + "      }" + (i + 1 < r.children.size() ? ",{\n" : "\n");
      }
      out += ind + "   ]\n";
    }
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i == 0) out += "      {\n";
    emit(rows[i], "      ");
    out += i + 1 < rows.size() ? "      },{\n" : "      }\n";
  }
  out += "   ]\n}\n";
  return out;
}

Rendered render_ping(const SimState& s, std::string_view address) {
  std::string a(address);
  std::string head = fmt::format("PING {} ({}) 56(84) bytes of data.\n", a, a);
  bool known = false;
  for (const auto& p : s.topology.portals()) known = known || a == portal_ip(p);
  if (known && s.reachable(a))
    return {
        head + fmt::format("64 bytes from {}: icmp_seq=1 ttl=64 time=0.312 ms\n\n--- {} ping statistics ---\n"
                           "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n"
                           "rtt min/avg/max/mdev = 0.312/0.312/0.312/0.000 ms\n",
                           a, a),
        "", 0};
  return {head + fmt::format("\n--- {} ping statistics ---\n1 packets transmitted, 0 received, 100% packet "
                             "loss, time 0ms\n\n",
                             a),
          "", 1};
}

}  // namespace stackdr::sim
