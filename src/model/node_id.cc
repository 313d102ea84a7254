#include "model/node_id.h"

#include "util/text.h"

// Built by concatenation, not fmt: a 1,000-array sweep builds some 20,000 identities.
namespace stackdr::node_id {

using text::cat;

std::string pool(const std::string& p) {
  return cat({"pool:", p});
}
std::string pool_disk(const std::string& p, const std::string& d) {
  return cat({"pool-disk:", p, "/", d});
}
std::string zvol(const std::string& z) {
  return cat({"zvol:", z});
}
std::string target_service(const std::string& h) {
  return cat({"lio:", h});
}
std::string backstore(const std::string& h, const LunConfig& l) {
  return cat({"backstore:", h, "/", l.backstore_type, "/", l.backstore_name});
}
std::string lun(const LunConfig& l) {
  return cat({"lun:", l.target, "/", std::to_string(l.lun)});
}
std::string path(const std::string& h, const std::string& portal) {
  return cat({"path:", h, "->", portal});
}
std::string session(const std::string& host, const LunConfig& l, const std::string& portal) {
  return cat({"session:", host, "/", l.target, "@", portal});
}
std::string iscsi_disk(const std::string& host, const LunConfig& l) {
  return cat({"disk:", host, "/", l.target, "/", std::to_string(l.lun)});
}
// Arrays and members are named by topology name + host; the UUID, once seen, is an attribute.
// A name pinned in the config survives reassembly under another mdN number.
std::string array(const ArrayConfig& a) {
  return cat({"md:", a.host, "/", a.name});
}
std::string member(const ArrayConfig& a, const std::string& lun) {
  return cat({"md-member:", a.host, "/", a.name, "/", lun});
}
std::string vm(const VmConfig& v) {
  return cat({"vm:", v.host, "/", v.name});
}
std::string vm_disk(const VmConfig& v, const VmDiskConfig& d) {
  return cat({"vm-disk:", v.name, "/", d.target});
}
std::string filesystem(const VmConfig& v, const VmDiskConfig& d) {
  return cat({"fs:", v.guest, ":", d.mountpoint});
}
std::string filesystem(const FilesystemSite& f) {
  return cat({"fs:", f.host, ":", f.mountpoint});
}

}  // namespace stackdr::node_id
