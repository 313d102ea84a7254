#include "topology/stack_folder.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "util/bounded_file.h"

namespace stackdr {

// A folder is read whole: a fleet of thousands of stacks is not what one daemon is for (README).
constexpr size_t kMaxStacksInFolder = 10000;

Result<std::vector<FolderStack>> list_stack_folder(const std::string& folder) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  fs::directory_iterator it(folder, ec);
  if (ec) return Error{fmt::format("{}: cannot read the topology folder: {}", folder, ec.message())};
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return Error{fmt::format("{}: cannot read the topology folder: {}", folder, ec.message())};
    const fs::path& p = it->path();
    std::string base = p.filename().string();
    if (base.empty() || base[0] == '.' || p.extension() != ".yaml") continue;
    files.push_back(p);  // a *.yaml that is not a file (a FIFO, a folder) is refused when read
    if (files.size() > kMaxStacksInFolder)
      return Error{fmt::format("{}: more than {} topology files; one daemon is not meant for so many stacks",
                               folder, kMaxStacksInFolder)};
  }
  std::sort(files.begin(), files.end());
  std::vector<FolderStack> stacks;
  std::map<std::string, std::string> file_of;  // name → the file that named it first
  for (const auto& p : files) {
    auto text = read_bounded_file(p.string(), kTopologyMaxBytes);
    if (!text) return Error{text.error().message + " (a file of the topology folder " + folder + ")"};
    auto t = parse_topology(*text, p.string());
    if (!t) return t.error();
    if (t->name.empty())
      return Error{fmt::format(
          "{}: a stack in a topology folder needs a name (`name: NAME` at the top level): --stack NAME "
          "selects it, and its metrics, alerts and incidents carry it",
          p.string())};
    if (auto [at, fresh] = file_of.emplace(t->name, p.string()); !fresh)
      return Error{fmt::format("{} and {} both name the stack '{}': each stack is one file; rename one",
                               at->second, p.string(), t->name)};
    stacks.push_back({t->name, t->site, p.string()});
  }
  if (stacks.empty())
    return Error{fmt::format("{}: no stack here (no *.yaml file); write one per stack, each with its `name:`",
                             folder)};
  std::sort(stacks.begin(), stacks.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return stacks;
}

std::string stack_names(const std::vector<FolderStack>& stacks) {
  std::string s;
  for (size_t i = 0; i < stacks.size(); ++i) {
    if (i) s += i + 1 == stacks.size() ? " and " : ", ";
    s += stacks[i].name;
  }
  return s;
}

}  // namespace stackdr
