#pragma once
/// node_id: the stable identity of every kind of node in the stack graph, in one place, so the
/// graph builder, the planner and the journal name exactly the same thing. Identities never
/// use kernel names (sdX, mdN numbers chosen at assembly): a LUN is target IQN + LUN number,
/// an array is its topology name on its host, a member is array + LUN.

#include <string>

#include "topology/topology.h"

namespace stackdr::node_id {

std::string pool(const std::string& pool);
std::string pool_disk(const std::string& pool, const std::string& disk);
std::string zvol(const std::string& zvol);
std::string target_service(const std::string& storage_host);
std::string backstore(const std::string& storage_host, const LunConfig& l);
std::string lun(const LunConfig& l);
std::string path(const std::string& host, const std::string& portal);
std::string session(const std::string& host, const LunConfig& l, const std::string& portal);
std::string iscsi_disk(const std::string& host, const LunConfig& l);
std::string array(const ArrayConfig& a);
std::string member(const ArrayConfig& a, const std::string& lun);
std::string vm(const VmConfig& v);
std::string vm_disk(const VmConfig& v, const VmDiskConfig& d);
std::string filesystem(const VmConfig& v, const VmDiskConfig& d);
std::string filesystem(const FilesystemSite& f);

}  // namespace stackdr::node_id
