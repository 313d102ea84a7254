#pragma once
/// EventStream: the clients of GET /events (Server-Sent Events, text/event-stream). publish()
/// queues an event for every client; a client with nothing to read is suspended in
/// libmicrohttpd (no thread waits for it) and resumed when something comes. A comment line every
/// kKeepAliveSeconds finds clients that went away (their write fails and libmicrohttpd closes
/// them) and keeps proxies from timing the stream out. The newest event is replayed to a client
/// as it connects, so a page that loaded just before it still hears of it.

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>

struct MHD_Connection;
struct MHD_Response;

namespace stackdr {

class EventStream {
 public:
  static constexpr int kKeepAliveSeconds = 15;
  static constexpr size_t kClients = 256;  // more get 503: a page needs one

  EventStream();
  ~EventStream();  // shut(), then the keep-alive thread joined
  /// Every stream told to end: each suspended one resumed, the next read says end of stream,
  /// no new client taken. The daemon must still be running (a resume needs it); the clients'
  /// responses are freed by the daemon as it stops, which calls close(): so the stream must
  /// live until the daemon has stopped.
  void shut();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  /// "event: EVENT\ndata: DATA\n\n" to every client (DATA: one line).
  void publish(const std::string& event, const std::string& data);
  /// A response that streams to `c` (nullptr when kClients are connected already).
  MHD_Response* open(MHD_Connection* c);
  size_t clients() const;

  /// One client's queue (public for libmicrohttpd's C callbacks).
  struct Client {
    EventStream* stream;
    MHD_Connection* connection;
    std::string pending;
    bool suspended = false;
  };
  /// libmicrohttpd asks for the next bytes of a client's stream.
  long read(Client& c, char* buf, size_t max);
  void close(Client* c);

 private:
  void send(Client& c, const std::string& text);  // with mu_ held
  void keep_alive();
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  std::set<Client*> clients_;
  std::string last_;  // the newest event, replayed to a client as it connects
  bool closing_ = false;
  std::thread keep_alive_;
};

}  // namespace stackdr
