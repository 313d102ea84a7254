#pragma once
/// The runbook's Post-Incident Review, filled in from the journal: timeline, root cause,
/// impact (arrays and VMs), downtime, data loss, and improvements (monitoring gaps and
/// settings the incident showed up). Markdown for people, JSON for tools.

#include <nlohmann/json.hpp>
#include <string>

#include "store/journal.h"

namespace stackdr {

nlohmann::json incident_report_json(const IncidentRecord& inc, const std::vector<JournalEvent>& events);
std::string incident_report_markdown(const IncidentRecord& inc, const std::vector<JournalEvent>& events);
std::string incident_list_text(const std::vector<IncidentRecord>& incidents);
nlohmann::json incident_json(const IncidentRecord& inc);

}  // namespace stackdr
