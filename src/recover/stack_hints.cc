#include "recover/stack_hints.h"

#include <fmt/format.h>

#include <cctype>

#include "host/ssh_host.h"

namespace stackdr {

namespace {

std::string typed(const std::vector<std::string>& options) {
  std::string out;
  for (const auto& o : options) out += " " + hint_word(o);
  return out;
}

std::string with(std::string_view words, const std::vector<std::string>& options) {
  return "stackdr " + std::string(words) + typed(options);
}

}  // namespace

std::string hint_word(std::string_view word) {
  bool plain = !word.empty();
  for (char c : word)
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string_view("_./:=@%+,-").find(c) != std::string_view::npos))
      plain = false;
  return plain ? std::string(word) : posix_shell_word(word);
}

std::string StackHints::verb(std::string_view words) const {
  return with(words, stack);
}

std::string StackHints::incident(std::string_view words) const {
  return with(std::string("incident ") + std::string(words), journal);
}

std::string StackHints::journal_options() const {
  return typed(journal);
}

std::string StackHints::close(int incident_id) const {
  return incident(fmt::format("close {} --why TEXT", incident_id));
}

}  // namespace stackdr
