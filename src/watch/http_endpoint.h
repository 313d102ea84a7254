#pragma once
/// HttpEndpoint: the daemon's HTTP listener (cpp-httplib), on its own threads. GET /metrics
/// (Prometheus text format), GET /status (the last sweep as `status --json` prints it),
/// GET /healthz (200 while sweeps keep coming, 503 when they stopped), and — only on the
/// simulated stack — POST /lab/faults?name=FAULT, which injects a fault so the whole loop can be
/// driven from outside without root. Anything else is 404.

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "util/result.h"

namespace httplib {
class Server;
}

namespace stackdr {

class HttpEndpoint {
 public:
  struct Reply {
    int status = 200;
    std::string body;
    std::string type = "text/plain; charset=utf-8";
  };
  struct Handlers {
    std::function<Reply()> metrics, status, health;
    std::function<Reply(const std::string& fault)> lab_fault;  // unset: not the simulated stack
  };
  /// Listens on `listen` ("ADDR:PORT"; port 0 picks a free one). Fails with what was wrong.
  /// With a `token`, every request must carry `Authorization: Bearer TOKEN` (else 401).
  static Result<std::unique_ptr<HttpEndpoint>> start(const std::string& listen, Handlers handlers,
                                                     std::string token = "");
  ~HttpEndpoint();  // stops listening; waits for requests in progress
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;
  int port() const { return port_; }

 private:
  HttpEndpoint() = default;
  std::unique_ptr<httplib::Server> server_;
  Handlers handlers_;
  std::thread thread_;
  int port_ = 0;
};

/// Whether an address is this machine's loopback (127.0.0.0/8, ::1, localhost): only there may
/// the endpoint serve without a token.
bool is_loopback_address(const std::string& addr);

/// "ADDR:PORT" → its parts ("[::1]:9470" too); false when it is not that.
bool split_listen(const std::string& listen, std::string& addr, int& port);

}  // namespace stackdr
