// The daemon's listener (watch/http_endpoint.h) under clients that do not behave: slow ones
// that hold a request open with a header line every 2 s, thousands of idle connections, huge
// headers and bodies, bad methods, paths that climb, bytes that are not HTTP. A scrape must
// still be answered, and every bad request gets an answer that says what is wrong (or the
// connection is closed), never a stop.

#include "watch/http_endpoint.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "host/local_host.h"
#include "test_support.h"
#include "util/text.h"
#include "watch/watch_settings.h"

namespace stackdr {
namespace {

using namespace std::chrono_literals;

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::send(fd, s.data() + done, s.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Reads until the peer closes or `timeout` passes with nothing more: the raw response ("" when
// the connection was closed without one).
std::string read_reply(int fd, std::chrono::milliseconds timeout = 5000ms) {
  std::string out;
  char buf[4096];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    // One response is enough: stop once its body (Content-Length) is in.
    size_t head = out.find("\r\n\r\n");
    size_t cl = out.find("Content-Length: ");
    if (head != std::string::npos && cl != std::string::npos && cl < head) {
      size_t want = std::stoul(out.substr(cl + 16));
      if (out.size() >= head + 4 + want) break;
    }
  }
  return out;
}

// One request on a new connection: the raw response.
std::string round_trip(int port, const std::string& request) {
  int fd = connect_to(port);
  if (fd < 0) return "";
  std::string r = send_all(fd, request) ? read_reply(fd) : "";
  ::close(fd);
  return r;
}

int status_of(const std::string& reply) {
  if (reply.rfind("HTTP/1.", 0) != 0 || reply.size() < 12) return 0;
  return std::stoi(reply.substr(9, 3));
}

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra + "\r\n";
}

HttpEndpoint::Handlers handlers() {
  HttpEndpoint::Handlers h;
  h.metrics = [] { return HttpEndpoint::Reply{200, "stackdr_status 0\n"}; };
  h.status = [](const std::string&) { return HttpEndpoint::Reply{200, "{}\n", "application/json"}; };
  h.health = [] { return HttpEndpoint::Reply{200, "ok\n"}; };
  return h;
}

// How many descriptors this process may hold: the test scales its crowd to fit.
size_t descriptor_room() {
  rlimit l{};
  getrlimit(RLIMIT_NOFILE, &l);
  l.rlim_cur = std::min<rlim_t>(l.rlim_max, 16384);
  setrlimit(RLIMIT_NOFILE, &l);
  return static_cast<size_t>(l.rlim_cur);
}

TEST(HttpEndpoint, ScrapesAreAnsweredWhileSlowClientsAndIdleConnectionsAreHeld) {
  // Both ends of every connection live in this process: 2 descriptors each.
  size_t room = descriptor_room();
  size_t slow_n = 200, idle_n = 2000;
  if ((slow_n + idle_n) * 2 + 200 > room) idle_n = room > 800 ? (room - 200) / 2 - slow_n : 100;
  std::printf("holding %zu slow clients and %zu idle connections (descriptor limit %zu)\n", slow_n, idle_n,
              room);
  auto e = HttpEndpoint::start("127.0.0.1:0", handlers());
  ASSERT_TRUE(e) << e.error().message;
  int port = (*e)->port();

  std::vector<int> slow, idle;
  for (size_t i = 0; i < slow_n; ++i) {
    int fd = connect_to(port);
    ASSERT_GE(fd, 0) << "slow client " << i;
    ASSERT_TRUE(send_all(fd, "GET /metrics HTTP/1.1\r\n"));
    slow.push_back(fd);
  }
  for (size_t i = 0; i < idle_n; ++i) {
    int fd = connect_to(port);
    ASSERT_GE(fd, 0) << "idle connection " << i;
    idle.push_back(fd);
  }
  // The slow clients send a header line every 2 s for as long as the scrapes go on.
  std::atomic<bool> done{false};
  std::thread drip([&] {
    for (int round = 0; !done; ++round) {
      for (int fd : slow) send_all(fd, "X-Slow-" + std::to_string(round) + ": 1\r\n");
      for (int i = 0; i < 20 && !done; ++i) std::this_thread::sleep_for(100ms);
    }
  });
  double slowest = 0;
  int answered = 0;
  for (int i = 0; i < 6; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    std::string r = round_trip(port, get("/metrics"));
    slowest = std::max(slowest, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    EXPECT_EQ(status_of(r), 200) << "scrape " << i << ": " << r;
    EXPECT_NE(r.find("stackdr_status 0"), std::string::npos) << r;
    answered += status_of(r) == 200;
    std::this_thread::sleep_for(1s);
  }
  done = true;
  drip.join();
  std::printf("%d of 6 scrapes answered; the slowest took %.3f s\n", answered, slowest);
  for (int fd : slow) ::close(fd);
  for (int fd : idle) ::close(fd);
}

TEST(HttpEndpoint, HostileRequestsGetAnAnswerOrAClosedConnectionAndTheNextScrapeWorks) {
  auto e = HttpEndpoint::start("127.0.0.1:0", handlers());
  ASSERT_TRUE(e) << e.error().message;
  int port = (*e)->port();
  struct Case {
    std::string what, request;
    std::vector<int> allowed;  // 0: closed without an answer
  };
  std::string huge(64 * 1024, 'a');
  std::vector<Case> cases = {
      {"a header larger than the limit", get("/metrics", "X-Huge: " + huge + "\r\n"), {431, 413, 0}},
      {"a path that climbs", get("/../../etc/passwd"), {404, 400}},
      {"a path that climbs from a real one", get("/metrics/../status"), {404, 400}},
      {"an escaped climb", get("/%2e%2e/%2e%2e/etc/passwd"), {404, 400}},
      {"DELETE", "DELETE /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {405}},
      {"an unknown method",
       "BREW /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
       {405, 501, 400}},
      {"POST where only GET is", "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", {405}},
      {"a fault on a stack that is not practice",
       "POST /lab/faults?name=x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
       {404}},
      {"a body larger than the limit",
       "POST /lab/faults HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" + std::string(200000, 'b'),
       {0, 404, 413}},
      {"bytes that are not HTTP", std::string("\x00\xff\x16\x03\x01garbage\r\n\r\n", 16), {400, 0}},
      {"HTTP/1.1 without Host", "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n", {400}},
  };
  for (const auto& c : cases) {
    std::string r = round_trip(port, c.request);
    int st = status_of(r);
    EXPECT_NE(std::find(c.allowed.begin(), c.allowed.end(), st), c.allowed.end())
        << c.what << ": answered " << st << "\n"
        << r.substr(0, 300);
    std::string next = round_trip(port, get("/metrics"));
    EXPECT_EQ(status_of(next), 200) << "after " << c.what << ": " << next.substr(0, 300);
  }
  std::string head = round_trip(port, "HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(head), 200) << head;
  EXPECT_EQ(head.find("ok\n"), std::string::npos) << "HEAD has no body: " << head;
}

TEST(HttpEndpoint, WithATokenEveryPathNeedsIt) {
  auto e = HttpEndpoint::start("127.0.0.1:0", handlers(), "s3cret-token");
  ASSERT_TRUE(e) << e.error().message;
  int port = (*e)->port();
  for (std::string path : {"/metrics", "/status", "/healthz", "/", "/nope", "/lab/faults?name=x"}) {
    std::string r = round_trip(port, get(path));
    EXPECT_EQ(status_of(r), 401) << path << ": " << r;
    EXPECT_NE(r.find("WWW-Authenticate: Bearer"), std::string::npos) << r;
    std::string wrong = round_trip(port, get(path, "Authorization: Bearer s3cret-tokem\r\n"));
    EXPECT_EQ(status_of(wrong), 401) << path;
  }
  std::string ok = round_trip(port, get("/metrics", "Authorization: Bearer s3cret-token\r\n"));
  EXPECT_EQ(status_of(ok), 200) << ok;
  EXPECT_NE(ok.find("Cache-Control: no-store"), std::string::npos) << ok;
}

TEST(HttpEndpoint, AStacksPathsReachItsHandlersWithItsName) {
  HttpEndpoint::Handlers h = handlers();
  h.status = [](const std::string& stack) { return HttpEndpoint::Reply{200, "status of [" + stack + "]"}; };
  h.page = [](const std::string& stack, const std::string& part) {
    return HttpEndpoint::Reply{200, "page of [" + stack + "] part [" + part + "]"};
  };
  h.incident = [](const std::string& stack, int id, const std::string& what) {
    return HttpEndpoint::Reply{200, "incident " + std::to_string(id) + " " + what + " of [" + stack + "]"};
  };
  h.lab_fault = [](const std::string& stack, const std::string& fault) {
    return HttpEndpoint::Reply{202, "fault " + fault + " into [" + stack + "]"};
  };
  auto e = HttpEndpoint::start("127.0.0.1:0", h);
  ASSERT_TRUE(e) << e.error().message;
  auto body = [&](const std::string& method, const std::string& path) {
    HttpEndpoint::Request r{method, path, "", "", "", ""};
    size_t q = path.find('?');
    if (q != std::string::npos) {
      r.path = path.substr(0, q);
      std::string query = path.substr(q + 1);
      for (auto kv : text::split(query, '&')) {
        std::string k(kv.substr(0, kv.find('='))), v(kv.substr(kv.find('=') + 1));
        (k == "name" ? r.name : k == "part" ? r.part : r.stack) = v;
      }
    }
    HttpEndpoint::Reply reply = (*e)->answer(r);
    return std::to_string(reply.status) + " " + reply.body;
  };
  EXPECT_EQ(body("GET", "/status"), "200 status of []");
  EXPECT_EQ(body("GET", "/stacks/beta/status"), "200 status of [beta]");
  EXPECT_EQ(body("GET", "/stacks/beta/"), "200 page of [beta] part []");
  EXPECT_EQ(body("GET", "/stacks/beta"), "200 page of [beta] part []");
  EXPECT_EQ(body("GET", "/stacks/beta/?part=main"), "200 page of [beta] part [main]");
  EXPECT_EQ(body("GET", "/stacks/beta/incidents/7/report.md"), "200 incident 7 md of [beta]");
  EXPECT_EQ(body("POST", "/lab/faults?stack=beta&name=session-logout"),
            "202 fault session-logout into [beta]");
  EXPECT_EQ(body("GET", "/stacks//status").substr(0, 3), "404");
  EXPECT_EQ(body("GET", "/stacks/beta/metrics").substr(0, 3), "404");  // one page for every stack: /metrics
  EXPECT_EQ(body("GET", "/stacks/beta/nope").substr(0, 3), "404");
}

TEST(HttpEndpoint, AnAddressThatIsNotThisMachinesIsRefusedWithWhatToFix) {
  auto bad = HttpEndpoint::start("nonsense", handlers());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("expected ADDRESS:PORT"), std::string::npos) << bad.error().message;
  auto e = HttpEndpoint::start("127.0.0.1:0", handlers());
  ASSERT_TRUE(e) << e.error().message;
  auto taken = HttpEndpoint::start("127.0.0.1:" + std::to_string((*e)->port()), handlers());
  ASSERT_FALSE(taken);
  EXPECT_NE(taken.error().message.find("cannot listen there"), std::string::npos) << taken.error().message;
}

// HTTPS with a certificate made for 127.0.0.1: a client that checks it against that
// certificate reads /metrics; plain HTTP on the same port gets nothing.
TEST(HttpEndpoint, ServesHttpsWithTheGivenCertificate) {
  auto dir = std::filesystem::temp_directory_path() / "stackdr-tls-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  CommandResult made = LocalHost("local").run(
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
       "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert},
      std::chrono::seconds(60));
  ASSERT_TRUE(made.ok()) << made.err;
  std::filesystem::permissions(key, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto tls = listener_tls(cert, key);
  ASSERT_TRUE(tls) << tls.error().message;
  auto e = HttpEndpoint::start("127.0.0.1:0", handlers(), "", *tls);
  ASSERT_TRUE(e) << e.error().message;
  httplib::SSLClient c("127.0.0.1", (*e)->port());
  c.set_ca_cert_path(cert.c_str());
  c.enable_server_certificate_verification(true);
  auto r = c.Get("/metrics");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "stackdr_status 0\n");
  std::string plain = round_trip((*e)->port(), get("/metrics"));
  EXPECT_NE(status_of(plain), 200) << "plain HTTP on the HTTPS port: " << plain;

  // What is wrong with the files is said before anything listens.
  EXPECT_NE(listener_tls(cert, "").error().message.find("go together"), std::string::npos);
  EXPECT_NE(listener_tls(key, key).error().message.find("no PEM certificate"), std::string::npos);
  std::filesystem::permissions(key, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
  EXPECT_NE(listener_tls(cert, key).error().message.find("readable by everyone"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace stackdr
