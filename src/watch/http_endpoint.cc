#include "watch/http_endpoint.h"

#include <fmt/format.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "util/text.h"
#include "watch/dashboard.h"

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

// A request's body is read and dropped (no endpoint takes one); more than this closes it.
constexpr uintptr_t kBodyBytes = 64 * 1024;

std::string value_of(MHD_Connection* c, MHD_ValueKind kind, const char* key) {
  const char* v = MHD_lookup_connection_value(c, kind, key);
  return v ? v : "";
}

// libmicrohttpd calls this once when the headers are in, then once per piece of a body, then
// once more with none left. `*state` counts the body's bytes (plus one, so it is never null
// once the request began).
MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method, const char*,
                      const char*, size_t* upload_size, void** state) {
  auto* self = static_cast<HttpEndpoint*>(cls);
  auto seen = reinterpret_cast<uintptr_t>(*state);
  if (seen == 0) {
    *state = reinterpret_cast<void*>(uintptr_t{1});
    if (value_of(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH).empty() &&
        value_of(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING).empty())
      seen = 1;  // no body comes: answer now
    else
      return MHD_YES;
  } else if (*upload_size > 0) {
    seen += *upload_size;
    *upload_size = 0;
    *state = reinterpret_cast<void*>(seen);
    return seen > kBodyBytes + 1 ? MHD_NO : MHD_YES;
  }
  HttpEndpoint::Request req{method,
                            url,
                            value_of(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
                            value_of(c, MHD_GET_ARGUMENT_KIND, "name"),
                            value_of(c, MHD_GET_ARGUMENT_KIND, "part"),
                            value_of(c, MHD_GET_ARGUMENT_KIND, "stack")};
  bool stream = req.path == "/events" && req.method == "GET" && self->authorized(req.authorization);
  if (stream)
    if (MHD_Response* events = self->events().open(c)) {
      MHD_add_response_header(events, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
      MHD_add_response_header(events, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
      MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, events);
      MHD_destroy_response(events);
      return ok;
    }
  HttpEndpoint::Reply r =
      stream ? HttpEndpoint::Reply{503, "503: too many event streams open\n"} : self->answer(req);
  MHD_Response* res =
      MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  if (!res) return MHD_NO;
  MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE, r.type.c_str());
  MHD_add_response_header(res, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_add_response_header(res, "X-Content-Type-Options", "nosniff");
  if (r.status == MHD_HTTP_UNAUTHORIZED)
    MHD_add_response_header(res, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"stackdr\"");
  if (r.status == MHD_HTTP_METHOD_NOT_ALLOWED)
    MHD_add_response_header(res, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
  MHD_Result ok = MHD_queue_response(c, static_cast<unsigned>(r.status), res);
  MHD_destroy_response(res);
  return ok;
}

// Enough descriptors for every connection the endpoint holds (systemd's default soft limit is
// 1,024), within the hard limit.
void raise_descriptor_limit(rlim_t want) {
  rlimit l{};
  if (getrlimit(RLIMIT_NOFILE, &l) != 0 || l.rlim_cur >= want) return;
  l.rlim_cur = l.rlim_max == RLIM_INFINITY ? want : std::min(want, l.rlim_max);
  setrlimit(RLIMIT_NOFILE, &l);
}

}  // namespace

bool HttpEndpoint::authorized(const std::string& authorization) const {
  return token_.empty() ||
         (text::starts_with(authorization, "Bearer ") && same_secret(authorization.substr(7), token_));
}

void HttpEndpoint::publish(const std::string& event, const std::string& data) {
  if (events_) events_->publish(event, data);
}

namespace {

// "/incidents/12" → 12 and "html"; "/incidents/12/report.md" → 12 and "md"; else 0.
int incident_path(const std::string& path, std::string& what) {
  static const std::string prefix = "/incidents/";
  if (!text::starts_with(path, prefix)) return 0;
  std::string rest = path.substr(prefix.size());
  size_t slash = rest.find('/');
  std::string id = rest.substr(0, slash);
  std::string tail = slash == std::string::npos ? "" : rest.substr(slash);
  what = tail.empty() ? "html" : tail == "/report.md" ? "md" : tail == "/report.json" ? "json" : "";
  auto n = text::to_int(id);
  if (what.empty() || !n || *n <= 0 || *n >= 1000000000 || std::to_string(*n) != id) return 0;
  return static_cast<int>(*n);
}

}  // namespace

HttpEndpoint::Reply HttpEndpoint::answer(const Request& r) const {
  if (!authorized(r.authorization))
    return {401, "401: this endpoint needs Authorization: Bearer TOKEN (the token in --token-file)\n"};
  bool get = r.method == "GET" || r.method == "HEAD";
  if (r.path == "/lab/faults") {
    if (r.method != "POST") return {405, "405: POST /lab/faults?name=FAULT\n"};
    if (!handlers_.lab_fault)
      return {404, "not the simulated stack: faults are injected only with `stackdr watch --lab`\n"};
    if (r.name.empty()) return {400, "POST /lab/faults?name=FAULT (see `stackdr lab faults`)\n"};
    return handlers_.lab_fault(r.stack, r.name);
  }
  if (!get) return {405, "405: " + r.path + " answers GET and HEAD\n"};
  // /stacks/NAME/…: the same pages, of one stack of several.
  std::string stack, path = r.path;
  if (text::starts_with(path, "/stacks/")) {
    size_t slash = path.find('/', 8);
    stack = path.substr(8, slash == std::string::npos ? std::string::npos : slash - 8);
    path = slash == std::string::npos ? "/" : path.substr(slash);
    if (stack.empty()) return {404, "404: /stacks/NAME/ is a stack's dashboard; the list is at /\n"};
  }
  if (path == "/metrics" && stack.empty()) return handlers_.metrics();
  if (path == "/status") return handlers_.status(stack);
  if (path == "/healthz" && stack.empty()) return handlers_.health();
  if (r.path == "/assets/dashboard.css")
    return {200, std::string(dashboard_css()), "text/css; charset=utf-8"};
  if (r.path == "/assets/dashboard.js")
    return {200, std::string(dashboard_js()), "text/javascript; charset=utf-8"};
  if (path == "/" && handlers_.page) return handlers_.page(stack, r.part);
  std::string what;
  if (int id = incident_path(path, what); id && handlers_.incident)
    return handlers_.incident(stack, id, what);
  return {404, "404: not here; the endpoints are /, /metrics, /status, /healthz and /events\n"};
}

Result<std::unique_ptr<HttpEndpoint>> HttpEndpoint::start(const std::string& listen, Handlers handlers,
                                                          std::string token, Tls tls) {
  std::string addr;
  int port = 0;
  if (!split_listen(listen, addr, port))
    return Error{fmt::format("--listen {}: expected ADDRESS:PORT, such as 127.0.0.1:9470", listen)};
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(addr.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found)
    return Error{fmt::format("--listen {}: {} is not an address of this machine", listen, addr)};
  sockaddr_storage where{};
  std::memcpy(&where, found->ai_addr, std::min<size_t>(found->ai_addrlen, sizeof where));
  bool v6 = found->ai_family == AF_INET6;
  freeaddrinfo(found);
  std::unique_ptr<HttpEndpoint> e(new HttpEndpoint());
  e->handlers_ = std::move(handlers);
  e->token_ = std::move(token);
  e->tls_ = std::move(tls);
  bool https = !e->tls_.cert_pem.empty();
  raise_descriptor_limit(kConnections + 256);
  // Two event threads: a handler that waits (the lab's fault injection takes the stack's lock)
  // holds only the connections of its thread.
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | (v6 ? MHD_USE_IPv6 : 0) |
                   (https ? MHD_USE_TLS : 0);
  e->events_ = std::make_unique<EventStream>();
  e->daemon_ = MHD_start_daemon(
      flags, static_cast<uint16_t>(port), nullptr, nullptr, &on_request, e.get(), MHD_OPTION_SOCK_ADDR,
      reinterpret_cast<sockaddr*>(&where), MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_CONNECTION_LIMIT,
      kConnections, MHD_OPTION_CONNECTION_TIMEOUT, kIdleSeconds, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      kHeaderBytes, MHD_OPTION_STRICT_FOR_CLIENT, 1,
      // Without TLS these two are skipped: MHD_OPTION_END ends the list early.
      https ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, e->tls_.cert_pem.c_str(), MHD_OPTION_HTTPS_MEM_KEY,
      e->tls_.key_pem.c_str(), MHD_OPTION_END);
  if (!e->daemon_)
    return Error{
        fmt::format("--listen {}: cannot listen there (in use, or not an address of this machine{})", listen,
                    https ? "; or the certificate and key do not load as PEM, or do not match" : "")};
  const MHD_DaemonInfo* info = MHD_get_daemon_info(e->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  e->port_ = info ? info->port : port;
  return e;
}

// The streams are ended first (a suspended one would keep the stop waiting), then the daemon
// stops, freeing each stream's response through EventStream::close, and only then does the
// EventStream go. Destroying it before the stop left the daemon's frees calling into a freed
// object: a daemon stopped with a dashboard open hung in MHD_stop_daemon, or corrupted the heap.
HttpEndpoint::~HttpEndpoint() {
  if (events_) events_->shut();
  if (daemon_) MHD_stop_daemon(daemon_);
  events_.reset();
}

}  // namespace stackdr
