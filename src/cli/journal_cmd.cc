#include "cli/journal_cmd.h"

#include <fmt/format.h>

#include <iostream>

#include "cli/exit_codes.h"
#include "cli/stack_context.h"
#include "store/journal_file.h"
#include "util/json_text.h"
#include "util/text.h"

namespace stackdr {

namespace {

// The journal these options select: a stack of a folder keeps its own (STATE/stacks/NAME).
Result<std::string> journal_dir(const IncidentCliOptions& o) {
  auto root = journal_state_dir(o.state_dir, o.stack);
  if (!root) return root.error();
  return state_dir_for(*root, o.lab);
}

}  // namespace

int cmd_journal_verify(const IncidentCliOptions& o) {
  auto where = journal_dir(o);
  if (!where) return fail(kExitUsage, where.error().message);
  const std::string& dir = *where;
  auto c = check_journal_file(dir);
  if (!c) return fail(kExitUsage, c.error().message);
  if (o.json) {
    std::cout << json_text({{"journal", dir + "/stackdr.db"},
                            {"sealed", c->sealed},
                            {"intact", c->intact()},
                            {"broken", c->broken},
                            {"incidents", c->incidents},
                            {"events", c->events},
                            {"serials", c->serials},
                            {"last_event", c->end.event},
                            {"last_seal", c->end.seal}},
                           2)
              << "\n";
  } else if (!c->sealed) {
    std::cout << fmt::format(
        "{}/stackdr.db: written before seals; nothing to verify until stackdr writes to it\n", dir);
  } else if (c->intact()) {
    std::cout << fmt::format(
        "{}/stackdr.db: intact — {} incidents, {} events (chain ends at event {}, {}), {} serials\n", dir,
        c->incidents, c->events, c->end.event, c->end.seal.empty() ? "-" : c->end.seal, c->serials);
  } else {
    std::cout << fmt::format("{}/stackdr.db: BROKEN — {}\n", dir, c->broken);
  }
  return c->intact() ? 0 : kExitInput;
}

int cmd_journal_restore(const IncidentCliOptions& o) {
  auto where = journal_dir(o);
  if (!where) return fail(kExitUsage, where.error().message);
  auto r = restore_journal_backup(*where, o.backup);
  if (!r) {
    bool broken = text::contains(r.error().message, "nothing was changed");
    return fail(broken ? kExitInput : kExitUsage, r.error().message);
  }
  std::string lost;
  if (r->recorded && *r->recorded > r->incidents)
    lost = *r->recorded == r->incidents + 1
               ? fmt::format("incident #{} was recorded after it and is not in it", *r->recorded)
               : fmt::format("incidents #{} to #{} were recorded after it and are not in it",
                             r->incidents + 1, *r->recorded);
  if (o.json) {
    std::cout << json_text(
                     {{"journal", *where + "/stackdr.db"},
                      {"restored_from", r->backup},
                      {"set_aside", r->set_aside},
                      {"incidents", r->incidents},
                      {"events", r->events},
                      {"recorded_before", r->recorded ? nlohmann::json(*r->recorded) : nlohmann::json()},
                      {"not_in_backup", lost}},
                     2)
              << "\n";
    return 0;
  }
  std::cout << fmt::format("{}/stackdr.db: restored from {} — {} incidents, {} events, every seal intact\n",
                           *where, r->backup, r->incidents, r->events);
  if (!r->set_aside.empty())
    std::cout << fmt::format("the journal it replaced is kept as {}\n", r->set_aside);
  if (!lost.empty())
    std::cout << fmt::format(
        "{} (what could be read of them is in the file kept: `sqlite3 {} 'SELECT id, "
        "state, summary FROM incidents'`)\n",
        lost, r->set_aside.empty() ? "FILE" : r->set_aside);
  return 0;
}

int cmd_journal_set_aside(const IncidentCliOptions& o) {
  auto where = journal_dir(o);
  if (!where) return fail(kExitUsage, where.error().message);
  if (!journal_recorded(*where)) {
    std::cout << fmt::format("{}: there is no journal here; the next run starts one\n", *where);
    return 0;
  }
  auto aside = set_journal_aside(*where);
  if (!aside) return fail(kExitUsage, aside.error().message);
  if (o.json)
    std::cout << json_text({{"journal", *where + "/stackdr.db"}, {"set_aside", *aside}}, 2) << "\n";
  else
    std::cout << fmt::format("{}/stackdr.db: set aside as {}; the next run starts a new journal\n", *where,
                             *aside);
  return 0;
}

}  // namespace stackdr
