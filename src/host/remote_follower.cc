#include "host/remote_follower.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "util/text.h"

namespace stackdr {

namespace {

constexpr const char* kGreeting = "stackdr-follower 1";

// The far side. /proc/mdstat in select's exception set is poll's POLLPRI, what md raises; it is
// read again from its start after each event (md counts an event as seen once the file is read).
// /dev/kmsg: one record per read, from the end; EPIPE when records were overwritten before they
// were read (go on), EAGAIN when there are no more.
const char* const kScript = R"PERL(
use strict; use warnings; use Fcntl;
$SIG{PIPE} = 'IGNORE';
# Ended by its input's end or a signal (sshd's hangup, a kill), it ends what it started first:
# a `virsh event --loop` left behind would run on the host for ever, and perl's exit waits for
# a piped child before any END block could stop it.
my ($zpid, $vpid) = (0, 0);
sub finish { kill('TERM', $zpid) if $zpid; kill('TERM', $vpid) if $vpid; exit($_[0] // 0); }
$SIG{$_} = sub { finish(0); } for qw(TERM HUP INT);
my %want = map { $_ => 1 } (@ARGV ? @ARGV : qw(md kmsg zpool virsh));
my ($md, $km, $zp, $vi, $b, $zb, $vb) = (undef, undef, undef, undef, '', '', '');
sub have { my $t = shift; return grep { -x "$_/$t" } split(/:/, $ENV{PATH} // ''); }
if ($want{md} && open($md, '<', '/proc/mdstat')) { while (sysread($md, $b, 65536)) {} } else { undef $md; }
if ($want{kmsg} && sysopen($km, '/dev/kmsg', O_RDONLY | O_NONBLOCK)) { sysseek($km, 0, 2); } else { undef $km; }
# zpool events -f starts with every event the kernel still holds: as many lines as a plain
# `zpool events` printed just before are the past, and skipped.
my $skip = 0;
if ($want{zpool} && have('zpool')) {
  if (open(my $h, '-|', 'zpool', 'events', '-H')) { my @old = <$h>; close $h; $skip = @old; }
  $zpid = open($zp, '-|', 'zpool', 'events', '-H', '-f') or undef $zp;
}
# libvirt's domain events (a VM paused on an I/O error, a disk removed) as virsh prints them.
if ($want{virsh} && have('virsh')) { $vpid = open($vi, '-|', 'virsh', 'event', '--all', '--loop') or undef $vi; }
sub put { my $s = shift; while (length $s) { my $n = syswrite(STDOUT, $s); finish(3) unless defined $n; substr($s, 0, $n) = ''; } }
put("stackdr-follower 1\n");
while (1) {
  my ($r, $e) = ('', '');
  vec($r, fileno(STDIN), 1) = 1;
  vec($r, fileno($km), 1) = 1 if $km;
  vec($r, fileno($zp), 1) = 1 if $zp;
  vec($r, fileno($vi), 1) = 1 if $vi;
  vec($e, fileno($md), 1) = 1 if $md;
  my ($ro, $eo) = ($r, $e);
  if (select($ro, undef, $eo, undef) <= 0) { next; }
  if (vec($ro, fileno(STDIN), 1)) { finish() unless sysread(STDIN, $b, 4096); }
  if ($md && vec($eo, fileno($md), 1)) {
    sysseek($md, 0, 0); my $t = ''; while (sysread($md, $b, 65536)) { $t .= $b; }
    # What md shows now, on the same line (backslash and newline escaped): the daemon's first
    # look needs no second read over SSH. A very large one is left for that read.
    if (length($t) <= 262144) { $t =~ s/\\/\\\\/g; $t =~ s/\n/\\n/g; put("mdstat $t\n"); } else { put("mdstat\n"); }
  }
  if ($km && vec($ro, fileno($km), 1)) {
    my $out = '';
    while (1) {
      my $n = sysread($km, $b, 8192);
      if (!defined $n) { next if $!{EPIPE}; last; }
      last unless $n;
      my ($pri, $msg) = $b =~ /^(\d+),[^;]*;([^\n]*)/ or next;
      $out .= 'kmsg ' . ($pri & 7) . " $msg\n";
    }
    put($out) if length $out;
  }
  if ($zp && vec($ro, fileno($zp), 1)) {
    my $n = sysread($zp, $zb, 65536, length $zb);
    unless ($n) { close $zp; undef $zp; $zpid = 0; put("zpool-ended\n"); next; }
    while ($zb =~ s/^([^\n]*)\n//) { if ($skip > 0) { $skip--; next; } put("zpool $1\n"); }
  }
  if ($vi && vec($ro, fileno($vi), 1)) {
    my $n = sysread($vi, $vb, 65536, length $vb);
    unless ($n) { close $vi; undef $vi; $vpid = 0; put("virsh-ended\n"); next; }
    while ($vb =~ s/^([^\n]*)\n//) { put("virsh $1\n") if length $1; }
  }
}
)PERL";

}  // namespace

const std::string& RemoteFollower::script() {
  static const std::string s = kScript;
  return s;
}

std::unique_ptr<RemoteFollower> RemoteFollower::start(const Argv& client_argv, const std::string& search_path,
                                                      const std::vector<std::string>& extra_env,
                                                      std::chrono::milliseconds timeout, std::string& why) {
  auto p = start_remote_program(client_argv, search_path, extra_env, kGreeting, timeout);
  if (!p) {
    why = p.error().message;
    return nullptr;
  }
  ::fcntl(p->out_fd, F_SETFL, ::fcntl(p->out_fd, F_GETFL) | O_NONBLOCK);
  ::fcntl(p->err_fd, F_SETFL, ::fcntl(p->err_fd, F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<RemoteFollower>(new RemoteFollower(std::move(*p)));
}

RemoteFollower::~RemoteFollower() {
  stop_remote_program(p_, std::chrono::seconds(2));
  close_remote_program(p_);
}

std::vector<std::string> RemoteFollower::read_lines(bool& ended, std::string& why) {
  ended = false;
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(p_.out_fd, chunk, sizeof chunk);
    if (n > 0) {
      buf_.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) ended = true;
    break;  // EAGAIN: nothing more for now
  }
  if (ended) {
    ssize_t n;
    while ((n = ::read(p_.err_fd, chunk, sizeof chunk)) > 0)
      p_.client_err.append(chunk, static_cast<size_t>(n));
    why = std::string(text::trim(p_.client_err));
    if (why.empty()) why = "the session ended";
  }
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = buf_.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(buf_.substr(start, nl - start));
  buf_.erase(0, start);
  return lines;
}

}  // namespace stackdr
