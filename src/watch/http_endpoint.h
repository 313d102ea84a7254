#pragma once
/// HttpEndpoint: the daemon's HTTP listener (GNU libmicrohttpd), on its own threads. GET /metrics
/// (Prometheus text format), GET /status (the last sweep as `status --json` prints it),
/// GET /healthz (200 while sweeps keep coming, 503 when they stopped), the dashboard (GET /,
/// its /assets/, GET /incidents/N and its /report.md and /report.json; watch/dashboard.h), GET
/// /events (Server-Sent Events that say when the dashboard changed; watch/event_stream.h), and —
/// only on the simulated stack — POST /lab/faults?name=FAULT, which injects a fault so the whole
/// loop can be driven from outside without root. A daemon of several stacks serves each one's
/// dashboard, status, health and incidents under /stacks/NAME/ (and `stack=NAME` on the POST). Anything else
/// is 404; a method other than GET, HEAD and that POST is 405.
///
/// Why libmicrohttpd: connections wait in epoll, not in threads. cpp-httplib gave each
/// connection a worker until it ended, so 20 clients sending a header line every 2 s held both
/// workers and every scrape timed out while they stayed. Here a held connection costs a file
/// descriptor and its buffer (headers are capped at kHeaderBytes: more is 431), an idle one is
/// closed after kIdleSeconds, and requests are answered by two event threads.

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "util/result.h"
#include "watch/event_stream.h"

struct MHD_Daemon;

namespace stackdr {

class HttpEndpoint {
 public:
  struct Reply {
    int status = 200;
    std::string body;
    std::string type = "text/plain; charset=utf-8";
  };
  /// Each handler gets the stack a path names (/stacks/NAME/…, or ?stack=NAME on POST
  /// /lab/faults); "" is the daemon's own page (its one stack, or the list of several).
  struct Handlers {
    std::function<Reply()> metrics, health;
    std::function<Reply(const std::string& stack)> status;
    /// Injects a fault into the simulated stack. Unset: not the simulated stack (404).
    std::function<Reply(const std::string& stack, const std::string& fault)> lab_fault;
    /// The dashboard: the whole page, or (part "main") its <main> alone. Unset: 404.
    std::function<Reply(const std::string& stack, const std::string& part)> page;
    /// An incident's page ("html"), or its report ("md", "json").
    std::function<Reply(const std::string& stack, int id, const std::string& what)> incident;
  };
  /// A request as the routes read it.
  struct Request {
    std::string method, path, authorization;
    std::string name, part;  // the query's name= (POST /lab/faults) and part= (GET /)
    std::string stack;       // the query's stack= (POST /lab/faults)
  };
  /// HTTPS: a certificate (chain) and its private key, PEM. Empty: plain HTTP.
  struct Tls {
    std::string cert_pem, key_pem;
  };
  /// Listens on `listen` ("ADDR:PORT"; port 0 picks a free one). Fails with what was wrong.
  /// With a `token`, every request must carry `Authorization: Bearer TOKEN` (else 401).
  static Result<std::unique_ptr<HttpEndpoint>> start(const std::string& listen, Handlers handlers,
                                                     std::string token = "", Tls tls = {});
  ~HttpEndpoint();  // stops listening; waits for requests in progress
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;
  int port() const { return port_; }

  /// What one connection may hold for its request line and headers.
  static constexpr size_t kHeaderBytes = 16 * 1024;
  /// A connection that sends nothing for this long is closed.
  static constexpr unsigned kIdleSeconds = 10;
  /// Connections held at once (the descriptor limit is raised to fit at start).
  static constexpr unsigned kConnections = 4096;

  /// Routes one request (public for libmicrohttpd's C callback, which has no other way in).
  Reply answer(const Request& r) const;
  /// True when the request may read: the token, when there is one, is the right one.
  bool authorized(const std::string& authorization) const;
  /// Tells every /events client that `event` happened.
  void publish(const std::string& event, const std::string& data);
  EventStream& events() { return *events_; }

 private:
  HttpEndpoint() = default;
  MHD_Daemon* daemon_ = nullptr;
  std::unique_ptr<EventStream> events_;  // shut before daemon_ stops, destroyed after
  Handlers handlers_;
  std::string token_;
  Tls tls_;  // kept while the daemon runs: libmicrohttpd reads it from here
  int port_ = 0;
};

/// Whether an address is this machine's loopback (127.0.0.0/8, ::1, localhost): only there may
/// the endpoint serve without a token.
bool is_loopback_address(const std::string& addr);

/// "ADDR:PORT" → its parts ("[::1]:9470" too); false when it is not that.
bool split_listen(const std::string& listen, std::string& addr, int& port);

}  // namespace stackdr
