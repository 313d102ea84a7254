#pragma once
/// What the verbs that change the stack share with the operator and the state directory: the
/// journal (through its guard, store/journal_file.h) and the question asked before a step.

#include <memory>
#include <string>

#include "recover/stack_hints.h"
#include "store/journal.h"
#include "util/result.h"

namespace stackdr {

/// The journal of a state directory; `write` creates the directory and the database. What the
/// guard notes (a journal set aside, a backup restored) goes to standard error; a refusal's
/// commands carry `hints`' journal options, so they act on this journal.
Result<std::unique_ptr<Journal>> open_state_journal(const std::string& dir, const StackHints& hints,
                                                    bool write = true);

/// Asks on the terminal; no terminal (a pipe, a daemon) is "no".
bool ask_terminal(const std::string& question);

}  // namespace stackdr
