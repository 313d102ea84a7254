#pragma once
/// The runbook's "Emergency Contacts and Escalation" as policy. Level 1 is stackdr and the
/// operator with the runbook. Level 2, the storage team: an incident with no step finished for
/// `escalation.team.after` (30 minutes) while the stack is not healthy, or one whose plan needs
/// --allow-data-loss (a data-loss risk). Level 3, the vendors: a hardware failure suspected (a
/// disk's SMART failing, a pool disk FAULTED or with read/write/checksum errors). Each level is
/// reached once per incident, recorded in it (an "escalation" event, which the report shows),
/// and alerted once to that level's receivers.

#include <string>
#include <vector>

#include "recover/view.h"
#include "store/journal.h"
#include "topology/topology.h"

namespace stackdr {

struct EscalationDue {
  int level = 0;        // 2 or 3
  std::string contact;  // team, vendor
  std::string reason;   // in words, for the journal and the alert
};

/// The levels the open incident (its `events`) calls for now and has not reached yet.
/// `stalled_s`: how long no step of it has finished while the stack was not healthy.
std::vector<EscalationDue> escalations_due(const EscalationConfig& c, const std::vector<JournalEvent>& events,
                                           const View& v, double stalled_s);

/// The journal line of an escalation ("level 2 (team): …"), and the level a line records (0: none).
std::string escalation_detail(const EscalationDue& e);
int escalated_level(const JournalEvent& e);

}  // namespace stackdr
