#include "operate/task.h"

namespace stackdr {

namespace {

// A Task seen through the engine's interface: its fields, and no plan for a task without one.
class TaskWork final : public Work {
 public:
  explicit TaskWork(Task t) : t_(std::move(t)) {}
  const std::string& kind() const override { return t_.kind; }
  const std::string& subject() const override { return t_.subject; }
  const std::string& summary() const override { return t_.summary; }
  Plan plan(const View& v) const override { return t_.plan ? t_.plan(v) : Plan{}; }
  bool once() const override { return t_.once; }
  std::string result(const View& v) const override { return t_.result ? t_.result(v) : ""; }

 private:
  Task t_;
};

}  // namespace

std::shared_ptr<const Work> as_work(Task task) {
  return std::make_shared<TaskWork>(std::move(task));
}

}  // namespace stackdr
