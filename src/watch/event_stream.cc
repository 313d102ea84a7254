#include "watch/event_stream.h"

#include <microhttpd.h>

#include <chrono>
#include <cstring>

namespace stackdr {

namespace {

ssize_t on_read(void* cls, uint64_t, char* buf, size_t max) {
  auto* c = static_cast<EventStream::Client*>(cls);
  return c->stream->read(*c, buf, max);
}

void on_free(void* cls) {
  auto* c = static_cast<EventStream::Client*>(cls);
  c->stream->close(c);
}

}  // namespace

EventStream::EventStream() : keep_alive_([this] { keep_alive(); }) {}

EventStream::~EventStream() {
  shut();
  keep_alive_.join();
}

void EventStream::shut() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (closing_) return;
    closing_ = true;
    // A suspended connection must be resumed before the daemon stops: it then reads the end.
    for (Client* c : clients_)
      if (c->suspended) {
        c->suspended = false;
        MHD_resume_connection(c->connection);
      }
  }
  stop_cv_.notify_all();
}

void EventStream::send(Client& c, const std::string& text) {
  c.pending += text;
  if (c.pending.size() > 1 << 20)
    c.pending.erase(0, c.pending.size() - (1 << 20));  // a client that never reads
  if (c.suspended) {
    c.suspended = false;
    MHD_resume_connection(c.connection);
  }
}

void EventStream::publish(const std::string& event, const std::string& data) {
  std::string text = "event: " + event + "\ndata: " + data + "\n\n";
  std::lock_guard<std::mutex> l(mu_);
  last_ = text;
  for (Client* c : clients_) send(*c, text);
}

MHD_Response* EventStream::open(MHD_Connection* connection) {
  std::lock_guard<std::mutex> l(mu_);
  if (closing_ || clients_.size() >= kClients) return nullptr;
  auto* c = new Client{this, connection, "retry: 2000\n\n" + last_};
  MHD_Response* r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, &on_read, c, &on_free);
  if (!r) {
    delete c;
    return nullptr;
  }
  clients_.insert(c);
  return r;
}

long EventStream::read(Client& c, char* buf, size_t max) {
  std::lock_guard<std::mutex> l(mu_);
  if (c.pending.empty()) {
    if (closing_) return MHD_CONTENT_READER_END_OF_STREAM;
    // Nothing to send: park the connection until publish() or the keep-alive resumes it.
    c.suspended = true;
    MHD_suspend_connection(c.connection);
    return 0;
  }
  size_t n = std::min(max, c.pending.size());
  std::memcpy(buf, c.pending.data(), n);
  c.pending.erase(0, n);
  return static_cast<long>(n);
}

void EventStream::close(Client* c) {
  {
    std::lock_guard<std::mutex> l(mu_);
    clients_.erase(c);
  }
  delete c;
}

size_t EventStream::clients() const {
  std::lock_guard<std::mutex> l(mu_);
  return clients_.size();
}

void EventStream::keep_alive() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_cv_.wait_for(l, std::chrono::seconds(kKeepAliveSeconds), [this] { return closing_; }))
    for (Client* c : clients_) send(*c, ": keep-alive\n\n");
}

}  // namespace stackdr
