#include "watch/http_endpoint.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>

#include "util/text.h"

namespace stackdr {

bool split_listen(const std::string& listen, std::string& addr, int& port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  addr = listen.substr(0, colon);
  if (addr.size() > 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  auto p = text::to_int(listen.substr(colon + 1));
  if (!p || *p < 0 || *p > 65535) return false;
  port = static_cast<int>(*p);
  return !addr.empty();
}

bool is_loopback_address(const std::string& addr) {
  if (addr == "localhost" || addr == "::1" || addr == "0:0:0:0:0:0:0:1") return true;
  return text::starts_with(addr, "127.") && std::count(addr.begin(), addr.end(), '.') == 3;
}

namespace {

// Compares every byte whatever the first difference, so the time taken says nothing of the token.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
  return diff == 0 && !b.empty();
}

}  // namespace

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::start(const std::string& listen, Handlers handlers,
                                                          std::string token) {
  std::string addr;
  int port = 0;
  if (!split_listen(listen, addr, port))
    return Error{fmt::format("--listen {}: expected ADDRESS:PORT, such as 127.0.0.1:9470", listen)};
  std::unique_ptr<HttpEndpoint> e(new HttpEndpoint());
  e->handlers_ = std::move(handlers);
  e->server_ = std::make_unique<httplib::Server>();
  // Scrapes and health checks are few and short: two worker threads, not one per core.
  e->server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  HttpEndpoint* self = e.get();
  if (!token.empty())
    e->server_->set_pre_routing_handler([token](const httplib::Request& req, httplib::Response& res) {
      std::string got = req.get_header_value("Authorization");
      if (text::starts_with(got, "Bearer ") && same_secret(got.substr(7), token))
        return httplib::Server::HandlerResponse::Unhandled;
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer realm=\"stackdr\"");
      res.set_content("401: this endpoint needs Authorization: Bearer TOKEN (the token in --token-file)\n",
                      "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    });
  // cpp-httplib 0.11 (Debian bookworm) answers a POST without Content-Length with 400 before
  // any handler runs (fixed upstream later): at least the answer says what to send.
  e->server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 400 && res.body.empty())
      res.set_content(
          "400: the request could not be read. A POST needs a Content-Length header, even 0 "
          "(curl -X POST -d '' URL)\n",
          "text/plain; charset=utf-8");
  });
  auto answer = [](httplib::Response& res, const Reply& r) {
    res.status = r.status;
    res.set_content(r.body, r.type.c_str());
  };
  e->server_->Get("/metrics", [self, answer](const httplib::Request&, httplib::Response& res) {
    answer(res, self->handlers_.metrics());
  });
  e->server_->Get("/status", [self, answer](const httplib::Request&, httplib::Response& res) {
    answer(res, self->handlers_.status());
  });
  e->server_->Get("/healthz", [self, answer](const httplib::Request&, httplib::Response& res) {
    answer(res, self->handlers_.health());
  });
  e->server_->Post("/lab/faults", [self, answer](const httplib::Request& req, httplib::Response& res) {
    if (!self->handlers_.lab_fault) {
      answer(res, {404, "not the simulated stack: faults are injected only with `stackdr watch --lab`\n"});
      return;
    }
    if (!req.has_param("name")) {
      answer(res, {400, "POST /lab/faults?name=FAULT (see `stackdr lab faults`)\n"});
      return;
    }
    answer(res, self->handlers_.lab_fault(req.get_param_value("name")));
  });
  bool bound =
      port == 0 ? (port = e->server_->bind_to_any_port(addr)) > 0 : e->server_->bind_to_port(addr, port);
  if (!bound)
    return Error{
        fmt::format("--listen {}: cannot listen there (in use, or not an address of this machine)", listen)};
  e->port_ = port;
  e->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  return e;
}

HttpEndpoint::~HttpEndpoint() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace stackdr
