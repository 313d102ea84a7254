#pragma once
/// A topology folder (`/etc/stackdr/stacks.d`): one stack per `*.yaml` file, each with its own
/// `name:` (and `site:`), beside the single topology file. Every file is read and checked when
/// the folder is listed, so a broken one is named at once and never silently left out; two
/// files naming the same stack are refused (which one would be meant is a guess).

#include <string>
#include <vector>

#include "topology/topology.h"
#include "util/result.h"

namespace stackdr {

/// One stack of a folder: its name and site (from its file) and the file it came from.
struct FolderStack {
  std::string name, site, file;
};

/// The stacks of `folder`, by name. Errors: the folder unreadable, a file that does not parse
/// (its own FILE:LINE error), a file without `name:`, two files with one name, no stack at all.
/// Files that are not `*.yaml` (an editor's backup, a README) are passed over; so are hidden
/// ones (a package manager's `.dpkg-new`). A `*.yaml` that is not a regular file is refused.
Result<std::vector<FolderStack>> list_stack_folder(const std::string& folder);

/// "a, b and c": the names, for an error that says which stacks there are.
std::string stack_names(const std::vector<FolderStack>& stacks);

}  // namespace stackdr
