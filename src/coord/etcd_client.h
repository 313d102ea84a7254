#pragma once
/// EtcdClient: the few calls of etcd's v3 API that leader election needs (lease grant,
/// keep-alive and revoke, a compare-and-put transaction, a read), spoken as JSON over HTTP
/// through etcd's own gateway (`/v3/...`, etcd 3.4 as Debian packages it), so no gRPC stack is
/// linked. A call goes to the endpoint that answered last and, when that one does not, to the
/// next: a cluster keeps serving while a minority of its members is down.

#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "util/result.h"

namespace stackdr::coord {

/// A lease etcd granted: its id and the TTL it really gave (etcd raises one below its minimum).
struct Lease {
  int64_t id = 0;
  int64_t ttl_s = 0;
};

/// A key as etcd holds it. `create_revision` is 0 when the key does not exist.
struct KeyValue {
  std::string value;
  int64_t create_revision = 0;
  int64_t lease = 0;
};

/// What a "put if absent" transaction found: whether this caller put the key, and the key as it
/// is now (this caller's, or the one that was there).
struct PutIfAbsent {
  bool put = false;
  KeyValue now;
};

/// TLS to etcd (https:// endpoints): the CA that signed the members' certificates (each member's
/// certificate and name are checked against it), and this client's certificate and key when
/// etcd asks for one (`--client-cert-auth`). PEM files; empty: not given.
struct EtcdTls {
  std::string ca, cert, key;
};

class EtcdClient {
 public:
  /// `endpoints`: http:// or https:// HOST:PORT URLs (checked by parse_endpoints, `tls` by
  /// check_tls). `timeout`: for each request to one endpoint (connect and answer).
  EtcdClient(std::vector<std::string> endpoints, std::chrono::milliseconds timeout, EtcdTls tls = {});

  Result<Lease> grant(int64_t ttl_s);
  /// Renews a lease; its TTL after renewal, 0 when etcd no longer has it (expired or revoked).
  Result<int64_t> keep_alive(int64_t lease);
  Result<bool> revoke(int64_t lease);
  /// Puts `key` = `value` attached to `lease` if the key does not exist; else reads it.
  Result<PutIfAbsent> put_if_absent(const std::string& key, const std::string& value, int64_t lease);
  Result<KeyValue> get(const std::string& key);

 private:
  /// POSTs `body` to `path` on the current endpoint, then on each other one; the first answer
  /// wins. An HTTP error status from etcd is an answer (returned as an error, not retried).
  Result<nlohmann::json> call(const std::string& path, const nlohmann::json& body);

  std::vector<std::string> endpoints_;
  std::chrono::milliseconds timeout_;
  EtcdTls tls_;
  size_t current_ = 0;
};

/// Checks a list of etcd endpoints ("http://127.0.0.1:2379,http://…" or one per element): each
/// an http:// or https:// URL with a host and a port, all of one kind.
Result<std::vector<std::string>> parse_endpoints(const std::vector<std::string>& given);
/// TLS settings against the endpoints: https needs the CA (a member is never trusted unchecked);
/// a client certificate comes with its key; http takes none of them (a CA given for http would
/// be a mistake that leaves the traffic in the clear). Each file must be readable now.
Result<bool> check_tls(const std::vector<std::string>& endpoints, const EtcdTls& tls);

/// etcd's JSON gateway carries keys and values as base64.
std::string base64_encode(std::string_view in);
Result<std::string> base64_decode(std::string_view in);

}  // namespace stackdr::coord
