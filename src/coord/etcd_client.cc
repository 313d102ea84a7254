#include "coord/etcd_client.h"

#include <fmt/format.h>
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "util/text.h"

namespace stackdr::coord {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// etcd's gateway writes 64-bit numbers as JSON strings ("ID": "7587…"); a field it leaves out
// is zero (protobuf's JSON mapping omits defaults: "succeeded": false is simply absent).
int64_t number(const nlohmann::json& j, const char* field) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    auto v = text::to_int(it->get<std::string>());
    if (v) return *v;
  }
  throw std::runtime_error(fmt::format("field {} is not a number: {}", field, it->dump()));
}

KeyValue key_value(const nlohmann::json& kv) {
  KeyValue k;
  auto v = base64_decode(kv.value("value", std::string()));
  if (!v) throw std::runtime_error("a value is not base64: " + v.error().message);
  k.value = *v;
  k.create_revision = number(kv, "create_revision");
  k.lease = number(kv, "lease");
  return k;
}

}  // namespace

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out += kAlphabet[(v >> s) & 63];
  }
  if (size_t rest = in.size() - i; rest > 0) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (rest == 2) v |= uint8_t(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return Error{fmt::format("{} characters, not a multiple of 4", in.size())};
  std::string out;
  uint32_t v = 0;
  int bits = 0;
  size_t pad = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '=') {
      if (i + 2 < in.size() || ++pad > 2) return Error{fmt::format("'=' at {} inside the text", i)};
      continue;
    }
    if (pad) return Error{fmt::format("'{}' at {} after '='", c, i)};
    size_t d = kAlphabet.find(c);
    if (d == std::string_view::npos) return Error{fmt::format("'{}' at {} is not base64", c, i)};
    v = (v << 6) | uint32_t(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((v >> bits) & 0xff);
    }
  }
  return out;
}

Result<std::vector<std::string>> parse_endpoints(const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const auto& item : given)
    for (const auto& part : text::split(item, ',')) {
      std::string e(text::trim(part));
      if (e.empty()) continue;
      std::string scheme = text::starts_with(e, "https://")  ? "https://"
                           : text::starts_with(e, "http://") ? "http://"
                                                             : "";
      if (scheme.empty())
        return Error{fmt::format(
            "etcd endpoint {}: write it as http://HOST:PORT or https://HOST:PORT (etcd's client URL)", e)};
      if (!out.empty() && !text::starts_with(out.front(), scheme))
        return Error{
            fmt::format("etcd endpoint {}: the endpoints are all http:// or all https://, not both", e)};
      std::string rest = e.substr(scheme.size());
      while (!rest.empty() && rest.back() == '/') rest.pop_back();
      auto colon = rest.rfind(':');
      if (colon == std::string::npos || colon == 0 || !text::to_int(rest.substr(colon + 1)) ||
          rest.find('/') != std::string::npos)
        return Error{fmt::format("etcd endpoint {}: write it as {}HOST:PORT (etcd's client URL)", e, scheme)};
      out.push_back(scheme + rest);
    }
  if (out.empty()) return Error{"no etcd endpoint given: name at least one as http://HOST:PORT"};
  return out;
}

Result<bool> check_tls(const std::vector<std::string>& endpoints, const EtcdTls& tls) {
  bool https = !endpoints.empty() && text::starts_with(endpoints.front(), "https://");
  if (!https && (!tls.ca.empty() || !tls.cert.empty() || !tls.key.empty()))
    return Error{
        "etcd: ca, cert and key are for https:// endpoints; these are http:// (write the endpoints as "
        "https://HOST:PORT, or leave the TLS files out)"};
  if (https && tls.ca.empty())
    return Error{
        "etcd: https:// endpoints need the CA that signed etcd's certificates (coordination.etcd.ca): a "
        "member is "
        "never trusted unchecked"};
  if (tls.cert.empty() != tls.key.empty())
    return Error{
        "etcd: a client certificate comes with its key (coordination.etcd.cert and key, both or neither)"};
  for (auto [what, path] : {std::pair{"ca", &tls.ca}, {"cert", &tls.cert}, {"key", &tls.key}}) {
    if (path->empty()) continue;
    std::ifstream f(*path);
    if (!f) return Error{fmt::format("etcd {} {}: cannot be read: {}", what, *path, std::strerror(errno))};
  }
  return true;
}

EtcdClient::EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout, EtcdTls tls)
    : endpoints_(std::move(endpoints)), timeout_(timeout), tls_(std::move(tls)) {
  if (endpoints_.empty()) endpoints_.push_back("http://127.0.0.1:2379");
}

namespace {

// OpenSSL writes to its socket with write(), not send(MSG_NOSIGNAL): a member that ends the
// connection mid-request (refusing this client's certificate) would end the whole daemon with
// SIGPIPE. Blocked on this thread for the call; one it raised is taken before unblocking.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &before_);
  }
  ~SigpipeBlocked() {
    timespec now{0, 0};
    while (sigtimedwait(&pipe_, nullptr, &now) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &before_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_, before_;
};

// What went wrong reaching a member, as an admin reads it (httplib's names are its enum's).
std::string reach_error(httplib::Error e) {
  switch (e) {
    case httplib::Error::SSLServerVerification:
      return "SSL server verification failed: its certificate is not signed by the CA given (ca:) or is "
             "not for this address";
    case httplib::Error::SSLConnection:
      return "the TLS handshake failed (etcd refused this client's certificate or asked for one, or the "
             "port does not speak TLS)";
    case httplib::Error::SSLLoadingCerts:
      return "the CA, certificate or key could not be loaded (not PEM, or the key does not match)";
    case httplib::Error::ConnectionTimeout:
      return "no answer within the timeout";
    default:
      return httplib::to_string(e);
  }
}

}  // namespace

Result<nlohmann::json> EtcdClient::call(const std::string& path, const nlohmann::json& body) {
  SigpipeBlocked quiet;
  std::string text = body.dump();
  std::vector<std::string> tried;
  for (size_t n = 0; n < endpoints_.size(); ++n) {
    size_t i = (current_ + n) % endpoints_.size();
    // https: the member's certificate and name checked against the CA; this client's own
    // certificate shown when there is one.
    httplib::Client c = tls_.cert.empty() ? httplib::Client(endpoints_[i])
                                          : httplib::Client(endpoints_[i], tls_.cert, tls_.key);
    if (!tls_.ca.empty()) {
      c.set_ca_cert_path(tls_.ca.c_str());
      c.enable_server_certificate_verification(true);
    }
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout_);
    auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(timeout_ - secs);
    c.set_connection_timeout(secs.count(), usecs.count());
    c.set_read_timeout(secs.count(), usecs.count());
    c.set_write_timeout(secs.count(), usecs.count());
    auto res = c.Post(path, text, "application/json");
    if (!res) {
      tried.push_back(fmt::format("{}: {}", endpoints_[i], reach_error(res.error())));
      continue;
    }
    // A member that lost its cluster's quorum answers 503 or times out; try the others.
    if (res->status == 503 || res->status == 502) {
      tried.push_back(fmt::format("{}: HTTP {}", endpoints_[i], res->status));
      continue;
    }
    current_ = i;
    nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
    if (j.is_discarded())
      return Error{fmt::format("etcd {} {}: the answer is not JSON (HTTP {}): {}", endpoints_[i], path,
                               res->status,
                               res->body.substr(0, std::min<size_t>(res->body.find('\n'), 200)))};
    if (res->status != 200) {
      std::string why = j.is_object() ? j.value("message", j.value("error", res->body)) : res->body;
      return Error{fmt::format("etcd {} {}: HTTP {}: {}", endpoints_[i], path, res->status, why)};
    }
    return j;
  }
  return Error{fmt::format("no etcd endpoint answered {} ({})", path, text::join(tried, "; "))};
}

Result<Lease> EtcdClient::grant(int64_t ttl_s) {
  auto j = call("/v3/lease/grant", {{"TTL", ttl_s}});
  if (!j) return j.error();
  try {
    Lease l{number(*j, "ID"), number(*j, "TTL")};
    if (l.id == 0) return Error{"etcd granted no lease: " + j->dump()};
    return l;
  } catch (const std::exception& e) {
    return Error{fmt::format("etcd /v3/lease/grant: {}", e.what())};
  }
}

Result<int64_t> EtcdClient::keep_alive(int64_t lease) {
  // The gateway streams: one request in the body, one {"result": …} back, and the stream ends.
  auto j = call("/v3/lease/keepalive", {{"ID", std::to_string(lease)}});
  if (!j) return j.error();
  try {
    if (!j->contains("result")) return Error{"etcd /v3/lease/keepalive: no result: " + j->dump()};
    return number((*j)["result"], "TTL");
  } catch (const std::exception& e) {
    return Error{fmt::format("etcd /v3/lease/keepalive: {}", e.what())};
  }
}

Result<bool> EtcdClient::revoke(int64_t lease) {
  auto j = call("/v3/lease/revoke", {{"ID", std::to_string(lease)}});
  if (!j) return j.error();
  return true;
}

Result<PutIfAbsent> EtcdClient::put_if_absent(const std::string& key, const std::string& value,
                                              int64_t lease) {
  std::string k = base64_encode(key);
  nlohmann::json body = {
      {"compare", {{{"key", k}, {"target", "CREATE"}, {"result", "EQUAL"}, {"createRevision", "0"}}}},
      {"success",
       {{{"requestPut", {{"key", k}, {"value", base64_encode(value)}, {"lease", std::to_string(lease)}}}}}},
      {"failure", {{{"requestRange", {{"key", k}}}}}}};
  auto j = call("/v3/kv/txn", body);
  if (!j) return j.error();
  try {
    PutIfAbsent r;
    r.put = j->value("succeeded", false);
    if (r.put) {
      // The key was created by this transaction: its creation revision is the transaction's.
      r.now.value = value;
      r.now.lease = lease;
      r.now.create_revision = number(j->at("header"), "revision");
      return r;
    }
    const auto& responses = j->at("responses");
    if (responses.empty()) return Error{"etcd /v3/kv/txn: no response to the read: " + j->dump()};
    const auto& range = responses.at(0).at("response_range");
    if (range.contains("kvs") && !range["kvs"].empty()) r.now = key_value(range["kvs"][0]);
    return r;
  } catch (const std::exception& e) {
    return Error{fmt::format("etcd /v3/kv/txn: {}", e.what())};
  }
}

Result<KeyValue> EtcdClient::get(const std::string& key) {
  auto j = call("/v3/kv/range", {{"key", base64_encode(key)}});
  if (!j) return j.error();
  try {
    if (!j->contains("kvs") || (*j)["kvs"].empty()) return KeyValue{};
    return key_value((*j)["kvs"][0]);
  } catch (const std::exception& e) {
    return Error{fmt::format("etcd /v3/kv/range: {}", e.what())};
  }
}

}  // namespace stackdr::coord
