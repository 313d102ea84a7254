#include "cli/operator_io.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <vector>

#include "store/journal_file.h"

namespace stackdr {

Result<std::unique_ptr<Journal>> open_state_journal(const std::string& dir, const StackHints& hints,
                                                    bool write) {
  std::error_code ec;
  if (write) std::filesystem::create_directories(dir, ec);
  if (ec) return Error{fmt::format("{}: cannot create the state directory: {}", dir, ec.message())};
  std::vector<std::string> notes;
  auto j = open_journal_file(dir, {.write = write, .hint_options = hints.journal_options()}, notes);
  for (const auto& n : notes) std::cerr << "stackdr: " << n << "\n";
  return j;
}

bool ask_terminal(const std::string& question) {
  if (!isatty(STDIN_FILENO)) return false;  // nobody to ask: no
  std::cerr << question << " [y/N] " << std::flush;
  std::string line;
  if (!std::getline(std::cin, line)) return false;
  return line == "y" || line == "Y" || line == "yes";
}

}  // namespace stackdr
