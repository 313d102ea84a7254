#pragma once
/// Alerts: what the daemon tells people, and how it reaches them.
///
/// An Alert is one finding (its root node and cause) firing or resolved, in Alertmanager's own
/// alert format (labels, annotations, startsAt, endsAt, generatorURL), so a webhook may be
/// Alertmanager itself (POST /api/v2/alerts) or anything that reads it. AlertSender delivers
/// each alert to every configured receiver — a webhook (HTTP POST of a JSON array of alerts),
/// mail through the system's `sendmail -t` (as mdadm's MAILADDR does), an exec hook (argv, with
/// the alert as JSON on standard input, like mdadm's PROGRAM and ZED's zedlets) — from its own
/// thread: a delivery that fails is retried with backoff and logged, and never holds up
/// detection. At most `per_minute` deliveries per receiver per minute; the rest wait their turn.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace stackdr {

struct Alert {
  bool firing = true;
  std::map<std::string, std::string> labels;       // alertname, scenario, cause, root, host, severity
  std::map<std::string, std::string> annotations;  // summary, runbook, incident, evidence
  double starts_at = 0;                            // unix seconds
  double ends_at = 0;                              // resolved: when; firing: when it expires unless re-sent
  std::string generator_url;
};

/// One alert as Alertmanager's API takes it (RFC 3339 times).
nlohmann::json alert_json(const Alert& a);
/// The mail for an alert: headers (To, Subject) and a plain-text body, for `sendmail -t`.
std::string alert_mail(const Alert& a, const std::string& to);

struct Receivers {
  std::string webhook;            // http(s)://host[:port]/path; "" = none
  std::string mail_to;            // "" = none
  std::vector<std::string> exec;  // argv; empty = none
  int per_minute = 30;            // rate limit per receiver
  // A delivery is retried until it goes through: never dropped while its alert stands. Only a
  // newer state of the same alert to the same receiver replaces it (superseded, not lost).
  std::chrono::milliseconds first_retry{1000};  // doubled after each failure ...
  std::chrono::milliseconds max_retry{300000};  // ... up to this (5 minutes)
};

class AlertSender {
 public:
  /// `log` gets one line per failed delivery (from the sender's thread).
  AlertSender(Receivers r, std::function<void(const std::string&)> log);
  ~AlertSender();  // delivers nothing more; waits for a delivery in progress
  AlertSender(const AlertSender&) = delete;
  AlertSender& operator=(const AlertSender&) = delete;

  /// Queues the alert for every receiver; returns at once.
  void send(const Alert& a);

  struct Counts {
    // By receiver (webhook, mail, exec). `superseded`: queued states replaced by a newer state
    // of the same alert before they went out; `dropped` stays 0 (nothing is given up).
    std::map<std::string, long> sent, failed, dropped, superseded;
    size_t queued = 0;
  };
  Counts counts() const;

 private:
  struct Delivery {
    std::string receiver;
    Alert alert;
    int attempts = 0;
    std::chrono::steady_clock::time_point not_before;
  };
  void work();
  bool deliver(const Delivery& d, std::string& why);

  Receivers r_;
  std::function<void(const std::string&)> log_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Delivery> queue_;
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>> recent_;  // by receiver
  Counts counts_;
  bool stopping_ = false;
  std::thread worker_;
};

/// Splits "http://host:port/path" into "http://host:port" and "/path"; false if it is not
/// an http or https URL.
bool split_url(const std::string& url, std::string& base, std::string& path);

}  // namespace stackdr
