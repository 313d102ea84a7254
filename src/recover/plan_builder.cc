#include "recover/plan_builder.h"

namespace stackdr::planning {

Step& PlanBuilder::add(std::string id, std::string title, std::string runbook, std::string host,
                       Safety safety, Argv argv, std::string done_when, Check done, int settle_s) {
  Step s;
  s.id = std::move(id);
  s.title = std::move(title);
  s.runbook = std::move(runbook);
  s.host = std::move(host);
  s.safety = safety;
  s.argv = std::move(argv);
  s.done_when = std::move(done_when);
  s.done = std::move(done);
  s.settle_s = settle_s;
  p_.steps.push_back(std::move(s));
  return p_.steps.back();
}

}  // namespace stackdr::planning
