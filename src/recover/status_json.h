#pragma once
/// The JSON form of one sweep's view, as `status --json` prints it and `collect` keeps it in a
/// bundle (status.json): what a bundle read back with `status --from` must give again.

#include <nlohmann/json.hpp>
#include <string>

#include "recover/view.h"

namespace stackdr {

/// status, code, mode, findings, unexplained, nodes (unless `diagnose_view`) and the sources
/// that could not be read. Not the sweep's timings: they are the caller's.
nlohmann::json status_json(const View& v, const std::string& mode, bool diagnose_view = false);

}  // namespace stackdr
