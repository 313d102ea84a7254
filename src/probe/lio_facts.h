#pragma once
/// LioFacts: LIO's configuration as the target sees it — backstores (with their backing
/// device), iSCSI targets, TPGs (enabled or not), LUN mappings, ACLs and portals. Read from
/// configfs (lio_configfs.h, what the observer uses) or from `targetcli ls` (targetcli_ls.h).

#include <string>
#include <vector>

#include "probe/parse_report.h"

namespace stackdr {

struct LioBackstore {
  std::string type;    // block, fileio, pscsi, ramdisk
  std::string name;    // lun01
  std::string device;  // /dev/vdb (block) or the file path (fileio)
  std::string size;    // 512.0MiB as printed
  std::string info;    // the whole bracket text
  std::string serial;  // T10 unit serial (configfs only; targetcli ls does not print it)
  bool activated = false;
};

struct LioLun {
  int lun = -1;
  std::string backstore;  // "block/lun01"
  std::string device;     // "/dev/vdb"
};

/// One LUN an ACL gives its initiator: the number the initiator sees (mapped_lunN, configfs
/// acls/IQN/lun_N) and the TPG LUN it stands for (which need not be the same number).
struct LioMappedLun {
  int mapped = -1;
  int tpg_lun = -1;  // -1 when the output did not say
  bool operator==(const LioMappedLun&) const = default;
};

struct LioAcl {
  std::string initiator;
  std::vector<LioMappedLun> mapped_luns;
};

struct LioTpg {
  int tag = 0;
  bool enabled = true;
  std::string info;
  std::vector<LioLun> luns;
  std::vector<LioAcl> acls;
  std::vector<std::string> portals;  // "127.0.0.1:3260"
};

struct LioTarget {
  std::string iqn;
  std::vector<LioTpg> tpgs;
};

struct LioFacts {
  std::vector<LioBackstore> backstores;
  std::vector<LioTarget> targets;
  ParseWarnings warnings;
};

void to_json(nlohmann::json& j, const LioFacts& f);

}  // namespace stackdr
