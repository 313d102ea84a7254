#pragma once
/// StackHints: the options that select the stack a run works on (--lab, --config,
/// --state-dir), written as a person types them. Every command stackdr prints for a person to
/// run next is made here, so that pasting it acts on the same stack and the same journal; a hint
/// without them would reach the default topology's machines and the live journal.

#include <string>
#include <string_view>
#include <vector>

namespace stackdr {

struct StackHints {
  /// For verbs that read the stack (recover, status, lint, …): e.g. --lab --state-dir /tmp/p.
  std::vector<std::string> stack;
  /// For `stackdr incident`, which takes the journal's options only (--lab, --state-dir).
  std::vector<std::string> journal;

  /// "stackdr WORDS --lab --state-dir D": a verb that reads the stack.
  std::string verb(std::string_view words) const;
  /// "stackdr incident close N --why TEXT --lab --state-dir D".
  std::string incident(std::string_view words) const;
  /// The journal's options as typed after a verb: " --lab --state-dir D" ("" when none).
  std::string journal_options() const;
  std::string resume() const { return verb("recover --resume"); }
  std::string close(int incident_id) const;
};

/// One word of a hint: as it is when a shell keeps it whole, else single-quoted.
std::string hint_word(std::string_view word);

}  // namespace stackdr
