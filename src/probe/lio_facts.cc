#include "probe/lio_facts.h"

#include <nlohmann/json.hpp>

namespace stackdr {

void to_json(nlohmann::json& j, const LioFacts& f) {
  j = nlohmann::json::object();
  j["backstores"] = nlohmann::json::array();
  for (const auto& b : f.backstores)
    j["backstores"].push_back({{"type", b.type},
                               {"name", b.name},
                               {"device", b.device},
                               {"size", b.size},
                               {"serial", b.serial},
                               {"activated", b.activated}});
  j["targets"] = nlohmann::json::array();
  for (const auto& t : f.targets) {
    nlohmann::json jt{{"iqn", t.iqn}, {"tpgs", nlohmann::json::array()}};
    for (const auto& g : t.tpgs) {
      nlohmann::json jg{{"tag", g.tag}, {"enabled", g.enabled}, {"portals", g.portals}};
      jg["luns"] = nlohmann::json::array();
      for (const auto& l : g.luns)
        jg["luns"].push_back({{"lun", l.lun}, {"backstore", l.backstore}, {"device", l.device}});
      jg["acls"] = nlohmann::json::array();
      for (const auto& a : g.acls) {
        nlohmann::json ml = nlohmann::json::array();
        for (const auto& m : a.mapped_luns)
          ml.push_back({{"mapped_lun", m.mapped},
                        {"tpg_lun", m.tpg_lun < 0 ? nlohmann::json() : nlohmann::json(m.tpg_lun)}});
        jg["acls"].push_back({{"initiator", a.initiator}, {"mapped_luns", ml}});
      }
      jt["tpgs"].push_back(jg);
    }
    j["targets"].push_back(jt);
  }
  j["warnings"] = f.warnings;
}

}  // namespace stackdr
