#pragma once
/// The exit codes the verbs share beyond their own (sysexits.h's), and the one way a verb
/// says an error: "stackdr: MESSAGE" on standard error.

#include <iostream>
#include <string>

namespace stackdr {

inline constexpr int kExitUsage = 64;  // bad arguments or configuration (EX_USAGE)
inline constexpr int kExitInput = 65;  // input that could not be parsed (EX_DATAERR)
inline constexpr int kExitIo = 74;     // a file or the journal could not be written (EX_IOERR)

inline int fail(int code, const std::string& message) {
  std::cerr << "stackdr: " << message << "\n";
  return code;
}

}  // namespace stackdr
