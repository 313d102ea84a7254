# Shared by the bench scripts (sourced, not run): loopback sshd instances and sweep counting.

# need PACKAGE...: the Debian packages a bench script uses (curl, bc, openssh-server …),
# installed with apt-get when missing, as dev.sh installs its own.
need() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "bench: installing ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# ssh_keys DIR: a host key, a client key and authorized_keys for it, in DIR.
ssh_keys() {
  mkdir -p /run/sshd
  ssh-keygen -q -t ed25519 -N '' -f "$1/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$1/client_key"
  cp "$1/client_key.pub" "$1/authorized_keys"
}

# free_port: a free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_sshd DIR PORT: an sshd on 127.0.0.1:PORT with DIR's keys (key-only, root allowed), its
# host key added to DIR/known_hosts; prints its pid.
start_sshd() {
  local dir=$1 port=$2
  cat > "$dir/sshd-$port.conf" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
PidFile $dir/sshd-$port.pid
AuthorizedKeysFile $dir/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
MaxSessions 64
CONF
  echo "[127.0.0.1]:$port $(cat "$dir/host_key.pub")" >> "$dir/known_hosts"
  # Its output away from the caller's $(...), which would otherwise wait for sshd to end.
  /usr/sbin/sshd -D -f "$dir/sshd-$port.conf" -E "$dir/sshd-$port.log" </dev/null >/dev/null 2>&1 &
  echo $!
}

# sweeps_between BEFORE AFTER: from two /metrics pages, each stack's sweeps in between
# (stackdr_watch_sweeps_total): "all stacks fewest most".
sweeps_between() {
  awk '/^stackdr_watch_sweeps_total\{/ { if (FILENAME == ARGV[1]) b[$1] = $2; else d[$1] = $2 - b[$1] }
    END { min = -1; for (k in d) { s += d[k]; n++; if (min < 0 || d[k] < min) min = d[k]; if (d[k] > max) max = d[k] }
          print s + 0, n + 0, min, max + 0 }' "$1" "$2"
}
