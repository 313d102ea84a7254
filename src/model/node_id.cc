#include "model/node_id.h"

#include <fmt/format.h>

namespace stackdr::node_id {

std::string pool(const std::string& p) {
  return "pool:" + p;
}
std::string pool_disk(const std::string& p, const std::string& d) {
  return fmt::format("pool-disk:{}/{}", p, d);
}
std::string zvol(const std::string& z) {
  return "zvol:" + z;
}
std::string target_service(const std::string& h) {
  return "lio:" + h;
}
std::string backstore(const std::string& h, const LunConfig& l) {
  return "backstore:" + h + "/" + l.backstore();
}
std::string lun(const LunConfig& l) {
  return fmt::format("lun:{}/{}", l.target, l.lun);
}
std::string path(const std::string& h, const std::string& portal) {
  return fmt::format("path:{}->{}", h, portal);
}
std::string session(const std::string& host, const LunConfig& l, const std::string& portal) {
  return fmt::format("session:{}/{}@{}", host, l.target, portal);
}
std::string iscsi_disk(const std::string& host, const LunConfig& l) {
  return fmt::format("disk:{}/{}/{}", host, l.target, l.lun);
}
// Arrays and members are named by topology name + host; the UUID, once seen, is an attribute.
// A name pinned in the config survives reassembly under another mdN number.
std::string array(const ArrayConfig& a) {
  return fmt::format("md:{}/{}", a.host, a.name);
}
std::string member(const ArrayConfig& a, const std::string& lun) {
  return fmt::format("md-member:{}/{}/{}", a.host, a.name, lun);
}
std::string vm(const VmConfig& v) {
  return fmt::format("vm:{}/{}", v.host, v.name);
}
std::string vm_disk(const VmConfig& v, const VmDiskConfig& d) {
  return fmt::format("vm-disk:{}/{}", v.name, d.target);
}
std::string filesystem(const VmConfig& v, const VmDiskConfig& d) {
  return fmt::format("fs:{}:{}", v.guest, d.mountpoint);
}
std::string filesystem(const FilesystemSite& f) {
  return fmt::format("fs:{}:{}", f.host, f.mountpoint);
}

}  // namespace stackdr::node_id
