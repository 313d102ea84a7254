#include "recover/recover_events.h"

namespace stackdr {

const char* step_result_name(StepResult r) {
  switch (r) {
    case StepResult::kOk:
      return "ok";
    case StepResult::kSkipped:
      return "skipped";
    case StepResult::kDoneEarlier:
      return "done-earlier";
    case StepResult::kWaited:
      return "waited";
    case StepResult::kTimedOut:
      return "timed-out";
    case StepResult::kGaveUp:
      return "gave-up";
    case StepResult::kStopped:
      return "stopped";
    case StepResult::kUnresolved:
      return "unresolved";
    case StepResult::kRefused:
      return "refused";
    case StepResult::kDeclined:
      return "declined";
    case StepResult::kFailed:
      return "failed";
    case StepResult::kUnverified:
      return "unverified";
    case StepResult::kFailedBestEffort:
      return "failed-best-effort";
  }
  return "?";
}

}  // namespace stackdr
