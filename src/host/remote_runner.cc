#include "host/remote_runner.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "host/local_host.h"
#include "host/remote_program.h"
#include "util/text.h"

namespace stackdr {

namespace {

using std::chrono::milliseconds;

constexpr const char* kGreeting = "stackdr-runner 1";

// The far side. Requests on stdin: "ID SECONDS N\n", then N words as "LENGTH\n" + bytes.
// Answers on stdout: "ID STATUS OUTLENGTH ERRLENGTH\n" + out + err. Integer seconds only:
// perl-base has no Time::HiRes; a command may run up to a second past its timeout, never less.
const char* const kScript = R"PERL(
use strict; use warnings; use POSIX ();
$SIG{PIPE} = 'IGNORE';
my (%job, %fh); my $in = ''; my $eof = 0;
sub put { my $s = shift; while (length $s) { my $n = syswrite(STDOUT, $s); exit 3 unless defined $n; substr($s, 0, $n) = ''; } }
sub answer { my $j = shift; put("$j->{id} $j->{rc} " . length($j->{o}) . ' ' . length($j->{e}) . "\n" . $j->{o} . $j->{e}); }
sub start {
  my ($id, $secs, @argv) = @_;
  my ($or, $ow, $er, $ew);
  unless (pipe($or, $ow) && pipe($er, $ew)) { answer({id => $id, rc => 127, o => '', e => "stackdr runner: pipe: $!\n"}); return; }
  my $pid = fork;
  unless (defined $pid) { answer({id => $id, rc => 127, o => '', e => "stackdr runner: fork: $!\n"}); return; }
  if ($pid == 0) {
    $SIG{PIPE} = 'DEFAULT'; POSIX::setpgid(0, 0); close $or; close $er;
    open(STDIN, '<', '/dev/null'); open(STDOUT, '>&', $ow); open(STDERR, '>&', $ew);
    { no warnings; exec { $argv[0] } @argv; }
    print STDERR "$argv[0]: $!\n"; POSIX::_exit(127);
  }
  close $ow; close $ew;
  my $j = {id => $id, pid => $pid, o => '', e => '', open => 2, end => time + $secs + 1, killed => 0};
  $job{$pid} = $j; $fh{fileno $or} = [$j, 'o', $or]; $fh{fileno $er} = [$j, 'e', $er];
}
sub finish { my $j = shift; return if $j->{open} || !defined $j->{rc}; delete $job{$j->{pid}}; answer($j); }
sub parse {
  while (1) {
    my $nl = index($in, "\n"); return if $nl < 0;
    my @h = split(/ /, substr($in, 0, $nl));
    exit 2 unless @h == 3 && !grep { !/^[0-9]+$/ } @h;
    my ($p, @argv) = ($nl + 1);
    for (1 .. $h[2]) {
      my $l = index($in, "\n", $p); return if $l < 0;
      my $len = substr($in, $p, $l - $p); exit 2 unless $len =~ /^[0-9]+$/;
      return if length($in) < $l + 1 + $len;
      push @argv, substr($in, $l + 1, $len); $p = $l + 1 + $len;
    }
    substr($in, 0, $p) = '';
    exit 2 unless @argv;
    start($h[0], $h[1], @argv);
  }
}
put("stackdr-runner 1\n");
while (1) {
  if ($eof) { kill('KILL', -$_) for keys %job; exit 0; }
  my $rin = ''; vec($rin, fileno(STDIN), 1) = 1;
  vec($rin, $_, 1) = 1 for keys %fh;
  # A job whose output has ended is about to exit: look again soon for its status.
  my $wait = (grep { !$_->{open} } values %job) ? 0.005 : 1;
  my $rout = $rin;
  $rout = '' if select($rout, undef, undef, $wait) <= 0;  # nothing ready (or a signal): no bit counts
  if (vec($rout, fileno(STDIN), 1)) { my $n = sysread(STDIN, $in, 65536, length $in); $eof = 1 unless $n; parse(); }
  for my $f (keys %fh) {
    next unless vec($rout, $f, 1);
    my ($j, $k, $h) = @{$fh{$f}};
    my $n = sysread($h, $j->{$k}, 65536, length $j->{$k});
    unless ($n) { close $h; delete $fh{$f}; $j->{open}--; finish($j); }
  }
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $j = $job{$pid} or next;
    $j->{rc} = $j->{killed} ? 124 : POSIX::WIFEXITED($?) ? POSIX::WEXITSTATUS($?) : 128 + POSIX::WTERMSIG($?);
    finish($j);
  }
  my $now = time;
  for my $j (values %job) {  # past its time: the whole group, even if only a child holds the output
    if (!$j->{killed} && $now >= $j->{end}) { kill('TERM', -$j->{pid}); $j->{killed} = $now; }
    elsif ($j->{killed} && $now >= $j->{killed} + 5) { kill('KILL', -$j->{pid}); }
  }
}
)PERL";

// One word of a request: its length, then its bytes (a word may hold any byte but NUL).
void add_word(std::string& req, const std::string& w) {
  req += std::to_string(w.size());
  req += '\n';
  req += w;
}

// "ID STATUS OUTLENGTH ERRLENGTH", the line before an answer's bytes.
struct AnswerHeader {
  uint64_t id;
  int status;
  size_t out_length, err_length;
};

std::optional<AnswerHeader> answer_header(std::string_view line) {
  auto f = text::fields(line);
  if (f.size() != 4) return std::nullopt;
  auto id = text::to_int(f[0]), rc = text::to_int(f[1]), o = text::to_int(f[2]), e = text::to_int(f[3]);
  if (!id || !rc || !o || !e || *id < 0 || *o < 0 || *e < 0) return std::nullopt;
  return AnswerHeader{static_cast<uint64_t>(*id), static_cast<int>(*rc), static_cast<size_t>(*o),
                      static_cast<size_t>(*e)};
}

}  // namespace

const std::string& RemoteRunner::script() {
  static const std::string s = kScript;
  return s;
}

int RemoteRunner::remote_seconds(milliseconds timeout) {
  return static_cast<int>(std::max<long long>(1, (timeout.count() + 999) / 1000));
}

std::unique_ptr<RemoteRunner> RemoteRunner::start(const Argv& client_argv, const std::string& search_path,
                                                  const std::vector<std::string>& extra_env,
                                                  milliseconds timeout, std::string& why) {
  auto p = start_remote_program(client_argv, search_path, extra_env, kGreeting, timeout);
  if (!p) {
    why = p.error().message;
    return nullptr;
  }
  auto r = std::unique_ptr<RemoteRunner>(new RemoteRunner(std::move(*p)));
  return r;
}

RemoteRunner::RemoteRunner(RemoteProgram p) : p_(std::move(p)) {
  client_err_ = p_.client_err;
  reader_ = std::thread([this] { read_answers(); });
}

RemoteRunner::~RemoteRunner() {
  stop_remote_program(p_, std::chrono::seconds(5));  // the far side kills what still runs
  reader_.join();
  close_remote_program(p_);
}

bool RemoteRunner::send(const std::string& bytes) {
  std::lock_guard<std::mutex> l(send_mu_);
  size_t at = 0;
  while (at < bytes.size()) {
    ssize_t n = ::send(p_.in_fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

std::optional<CommandResult> RemoteRunner::run(const Argv& argv, milliseconds timeout, milliseconds grace) {
  if (argv.empty()) {
    CommandResult r;
    r.started = false;
    r.err = "empty argv";
    return r;
  }
  uint64_t id;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (ended_) return std::nullopt;
    id = next_id_++;
    pending_[id];
  }
  std::string req = std::to_string(id) + " " + std::to_string(remote_seconds(timeout)) + " " +
                    std::to_string(argv.size()) + "\n";
  for (const auto& w : argv) add_word(req, w);
  if (!send(req)) {
    std::lock_guard<std::mutex> l(mu_);
    pending_.erase(id);
    return std::nullopt;  // nothing went out: the caller may run it another way
  }
  std::unique_lock<std::mutex> l(mu_);
  bool answered = answered_.wait_for(l, timeout + grace, [&] { return pending_[id].has_value() || ended_; });
  CommandResult r;
  if (answered && pending_[id]) {
    r = std::move(*pending_[id]);
  } else if (ended_) {
    r.exit_code = 255;
    r.err = "lost: " + std::string(text::trim(client_err_));
  } else {
    r.timed_out = true;
    r.exit_code = -1;
    r.err = "no answer";
  }
  pending_.erase(id);
  return r;
}

void RemoteRunner::read_answers() {
  std::string buf;
  char chunk[65536];
  bool out_open = true, err_open = true;
  while (out_open) {
    pollfd p[2] = {{p_.out_fd, POLLIN, 0}, {err_open ? p_.err_fd : -1, POLLIN, 0}};
    int n = ::poll(p, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (err_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t got = ::read(p_.err_fd, chunk, sizeof chunk);
      if (got > 0) {
        std::lock_guard<std::mutex> l(mu_);
        client_err_.append(chunk, static_cast<size_t>(got));
      } else if (got == 0) {
        err_open = false;
      }
    }
    if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t got = ::read(p_.out_fd, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      out_open = false;
      break;
    }
    buf.append(chunk, static_cast<size_t>(got));
    // Every whole answer in the buffer: "ID STATUS OUTLENGTH ERRLENGTH\n" + out + err.
    for (;;) {
      size_t nl = buf.find('\n');
      if (nl == std::string::npos) break;
      auto h = answer_header(std::string_view(buf).substr(0, nl));
      if (!h) {
        out_open = false;  // not our protocol: the session is of no further use
        break;
      }
      size_t need = nl + 1 + h->out_length + h->err_length;
      if (buf.size() < need) break;
      CommandResult r;
      r.exit_code = h->status;
      r.timed_out = r.exit_code == 124;
      r.out = buf.substr(nl + 1, h->out_length);
      r.err = buf.substr(nl + 1 + h->out_length, h->err_length);
      buf.erase(0, need);
      std::lock_guard<std::mutex> l(mu_);
      auto it = pending_.find(h->id);
      if (it != pending_.end()) it->second = std::move(r);  // else: its caller gave up waiting
      answered_.notify_all();
    }
  }
  // Whatever the client said on its way out (ssh's "Connection to … closed", a lost link).
  if (err_open) {
    ssize_t got;
    while ((got = ::read(p_.err_fd, chunk, sizeof chunk)) > 0) {
      std::lock_guard<std::mutex> l(mu_);
      client_err_.append(chunk, static_cast<size_t>(got));
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  ended_ = true;
  answered_.notify_all();
}

}  // namespace stackdr
