#include "model/cause.h"

#include <iterator>

namespace stackdr {

namespace {

constexpr const char* kNames[] = {
#define STACKDR_CAUSE_NAME(e, n) n,
    STACKDR_CAUSES(STACKDR_CAUSE_NAME)
#undef STACKDR_CAUSE_NAME
};

}  // namespace

const char* cause_name(Cause c) {
  auto i = static_cast<size_t>(c);
  return i < std::size(kNames) ? kNames[i] : "?";
}

std::ostream& operator<<(std::ostream& os, Cause c) {
  return os << cause_name(c);
}

std::optional<Cause> cause_from_name(std::string_view name) {
  for (size_t i = 0; i < std::size(kNames); ++i)
    if (name == kNames[i]) return static_cast<Cause>(i);
  return std::nullopt;
}

}  // namespace stackdr
