#pragma once
/// Progress of the long waits — md resync/recovery, ZFS resilver and scrub — read from the
/// graph (mdstat's sync line, zpool status's scan line) and drawn as a bar with an ETA.

#include <optional>
#include <string>

#include "recover/view.h"

namespace stackdr {

struct Progress {
  std::string what;  // "md1 recovery", "storage resilver"
  double percent = 0;
  std::optional<double> eta_s;
};

/// Everything in the View that is resyncing or scanning now.
std::vector<Progress> progress_of(const View& v);

/// "[=========>          ]  45.2% md1 recovery  ETA 3m12s"
std::string progress_bar(const Progress& p, int width = 30);

}  // namespace stackdr
