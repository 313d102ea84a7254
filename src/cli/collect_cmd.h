#pragma once
/// `stackdr collect`: one sweep, every read of every host kept, packed as a .tar.gz bundle
/// that `--from` reads back (see host/bundle.h).

#include <string>

#include "cli/stack_context.h"

namespace stackdr {

int cmd_collect(const ContextOptions& o, const std::string& out, bool json = false);

}  // namespace stackdr
