#pragma once
/// The exit codes the verbs share beyond their own (sysexits.h's), and the one way a verb
/// says an error: "stackdr: MESSAGE" on standard error.

#include <iostream>
#include <string>
#include <string_view>

namespace stackdr {

inline constexpr int kExitUsage = 64;  // bad arguments or configuration (EX_USAGE)
inline constexpr int kExitInput = 65;  // input that could not be parsed (EX_DATAERR)
inline constexpr int kExitIo = 74;     // a file or the journal could not be written (EX_IOERR)

/// What each verb's exit status means: one table, from which both `--help` (each verb's
/// description) and the manual page's EXIT STATUS are written, so the two cannot disagree.
struct ExitStatusDoc {
  const char* verbs;    // "status, diagnose"
  const char* meaning;  // "0 healthy, 1 warning, ..."
};
inline constexpr ExitStatusDoc kExitStatusDocs[] = {
    {"status, diagnose", "exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (a read failed), 64 bad usage"},
    {"recover, lint --fix, lun create|remove|resize, maintain",
     "exit 0 done, 1 stopped, 2 needs an operator, 3 declined, 4 locked, 64 refused (bad usage)"},
    {"lint", "exit 0 clean, 1 warnings, 3 not all settings read"},
};
/// The meaning of the table row whose verbs begin with `first_verb`.
inline std::string exit_status_of(std::string_view first_verb) {
  for (const auto& d : kExitStatusDocs)
    if (std::string_view(d.verbs).substr(0, first_verb.size()) == first_verb) return d.meaning;
  return "";
}

inline int fail(int code, const std::string& message) {
  std::cerr << "stackdr: " << message << "\n";
  return code;
}

}  // namespace stackdr
