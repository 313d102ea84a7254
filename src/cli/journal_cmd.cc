#include "cli/journal_cmd.h"

#include <fmt/format.h>

#include <iostream>

#include "cli/exit_codes.h"
#include "cli/stack_context.h"
#include "store/journal_file.h"
#include "util/json_text.h"

namespace stackdr {

int cmd_journal_verify(const IncidentCliOptions& o) {
  auto root = journal_state_dir(o.state_dir, o.stack);  // a stack of a folder keeps its own journal
  if (!root) return fail(kExitUsage, root.error().message);
  std::string dir = state_dir_for(*root, o.lab);
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

}  // namespace stackdr
