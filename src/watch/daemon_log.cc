#include "watch/daemon_log.h"

#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>

#include "util/json_text.h"

namespace stackdr {

namespace {
std::atomic<bool> g_json{false};
std::mutex g_out_mu;
}  // namespace

void set_daemon_json(bool json) {
  g_json = json;
}

bool daemon_json() {
  return g_json;
}

void daemon_json_line(nlohmann::json j) {
  j["at"] = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::lock_guard<std::mutex> l(g_out_mu);
  std::cout << json_text(j) << "\n" << std::flush;
}

void daemon_log(const std::string& line, const std::string& stack) {
  if (g_json) {
    nlohmann::json j = {{"event", "log"}, {"message", line}};
    if (!stack.empty()) j["stack"] = stack;
    return daemon_json_line(std::move(j));
  }
  std::lock_guard<std::mutex> l(g_out_mu);
  std::cerr << "stackdr watch: " << (stack.empty() ? "" : "[stack " + stack + "] ") << line << "\n"
            << std::flush;
}

}  // namespace stackdr
