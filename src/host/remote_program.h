#pragma once
/// A program run on the far side of an SSH session for as long as stackdr needs it (the read
/// session RemoteRunner, the event follower RemoteFollower): started through the ssh client,
/// its input a socket (a send to a far side that is gone fails with EPIPE instead of killing
/// stackdr with SIGPIPE), ready once it has printed its greeting line, ended by closing its input
/// (the far side then ends what it started) and, if it lingers, by killing the client.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "host/host.h"
#include "util/result.h"

namespace stackdr {

struct RemoteProgram {
  pid_t pid = -1;  // the ssh client, leader of its own process group
  int in_fd = -1, out_fd = -1, err_fd = -1;
  std::string after_greeting;  // what it printed after the greeting line, already read
  std::string client_err;      // what the client said on standard error so far
};

/// Starts `client_argv` and waits up to `timeout` for a line equal to `greeting` on its output
/// (anything a login shell printed before it is skipped). The error is what the far side said
/// instead: no perl, sudo refused it, the connection failed.
Result<RemoteProgram> start_remote_program(const Argv& client_argv, const std::string& search_path,
                                           const std::vector<std::string>& extra_env,
                                           const std::string& greeting, std::chrono::milliseconds timeout);
/// Closes its input and waits up to `grace` for the client to end, then kills it. Its output
/// descriptors stay open (a reader may still be draining them) until close_remote_program().
void stop_remote_program(RemoteProgram& p, std::chrono::milliseconds grace);
void close_remote_program(RemoteProgram& p);

}  // namespace stackdr
