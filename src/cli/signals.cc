#include "cli/signals.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>

namespace stackdr::signals {

namespace {

std::atomic<int> g_signals{0};
// Two buffers for the running step's text: set_running() fills the one not shown and then
// flips the index, so the handler (which may only call write) never reads a half-written one.
constexpr size_t kBuf = 512;
char g_text[2][kBuf];
std::atomic<int> g_shown{0};
// The first signal's message, written before the handler is installed (it may only write).
char g_stopping[kBuf * 2];

void say(const char* s) {
  ssize_t ignored = ::write(STDERR_FILENO, s, std::strlen(s));
  (void)ignored;
}

void on_stop(int) {
  if (g_signals.fetch_add(1) == 0) {
    say(g_stopping);
    return;
  }
  const char* running = g_text[g_shown.load()];
  if (running[0] == '\0') {
    say("\nstackdr: stopping; no step is running\n");
  } else {
    say("\nstackdr: still running, and waited for: ");
    say(running);
    say("\n");
  }
}

}  // namespace

void install_for_recovery(const std::string& how_to_continue) {
  std::string m = "\nstackdr: stopping after the running step (it is finished and journaled first; " +
                  how_to_continue + ")\n";
  std::strncpy(g_stopping, m.c_str(), sizeof g_stopping - 1);
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGHUP, &ign, nullptr);
  struct sigaction stop {};
  stop.sa_handler = on_stop;
  sigemptyset(&stop.sa_mask);
  stop.sa_flags = SA_RESTART;
  sigaction(SIGINT, &stop, nullptr);
  sigaction(SIGTERM, &stop, nullptr);
}

bool stop_requested() {
  return g_signals.load() > 0;
}

void set_running(const std::string& what) {
  int next = 1 - g_shown.load();
  size_t n = std::min(what.size(), kBuf - 1);
  std::memcpy(g_text[next], what.data(), n);
  g_text[next][n] = '\0';
  g_shown.store(next);
}

}  // namespace stackdr::signals
