#include "model/cause.h"

#include "util/enum_names.h"

namespace stackdr {

namespace {

constexpr const char* kNames[] = {
#define STACKDR_CAUSE_NAME(e, n) n,
    STACKDR_CAUSES(STACKDR_CAUSE_NAME)
#undef STACKDR_CAUSE_NAME
};

}  // namespace

const char* cause_name(Cause c) {
  return enum_name(kNames, c, "?");
}

std::ostream& operator<<(std::ostream& os, Cause c) {
  return os << cause_name(c);
}

std::optional<Cause> cause_from_name(std::string_view name) {
  return enum_from_name<Cause>(kNames, name);
}

}  // namespace stackdr
