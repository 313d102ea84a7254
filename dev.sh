#!/usr/bin/env bash
# stackdr's developer entry point. Installs what is missing (Debian bookworm packages),
# builds, and runs one of:
#   ./dev.sh demo      the main job: drills that inject, diagnose and recover every fault on
#                      the simulated stack, one drill's step log, and a chaos drill
#   ./dev.sh build     install what is missing and build (lab/run.sh uses it)
#   ./dev.sh test      all tests (ctest), the default build
#   ./dev.sh sanitize  all tests but the soak label (100 fleet runs) under AddressSanitizer + UBSan
#   ./dev.sh tsan [RE] the tests (or those RE matches) under ThreadSanitizer; not part of CI
#   ./dev.sh bench     the Google Benchmark figures quoted in the README
#   ./dev.sh fuzz [S]  every parser under libFuzzer + ASan + UBSan for S seconds each (default
#                      20), from its seeds in fuzz/corpus/KIND; exit 1 on any crash
#   ./dev.sh format    check clang-format (exit 1 if a file needs formatting)
#   ./dev.sh package   a .deb (CPack) with the binary, stackdr(8), completion, unit and example
#                      topology, installed and tried on a clean Debian root (packaging/install_test.sh)
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake ninja-build pkg-config libcli11-dev nlohmann-json3-dev libfmt-dev
          libyaml-cpp-dev libsqlite3-dev libgtest-dev libgmock-dev libbenchmark-dev
          openssh-client openssh-server procps libcpp-httplib-dev libmicrohttpd-dev libsystemd-dev prometheus systemd
          dpkg-dev man-db debootstrap libmimalloc-dev libsimdjson-dev
          chromium python3-websocket fonts-dejavu-core openssl ccache etcd-server)

install_missing() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Compiles go through ccache, its cache under /var/tmp like the lab's: a clean build of the
# release tree is about 12 minutes on 2 cores and the sanitizer build as long again, most of
# CI's budget; a fresh clone of an unchanged tree then compiles in about a minute. The cache is
# keyed on the sources relative to the clone (base_dir) and not on the folder it sits in
# (hash_dir false), so a clone elsewhere hits it. STACKDR_CCACHE=0 builds without it.
# The settings ride in the compiler launcher itself (env VAR=… ccache), not only in this
# script's environment: a `ninja -C build` typed by hand then fills the same cache CI reads,
# where before it filled ~/.cache/ccache and CI's clone found its compiles missing.
export CCACHE_DIR=${CCACHE_DIR:-/var/tmp/stackdr-ccache}
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-6G}

build() {  # build DIR [cmake args...]
  local dir=$1; shift
  local target=() launcher="env;CCACHE_DIR=$CCACHE_DIR;CCACHE_BASEDIR=$CCACHE_BASEDIR;CCACHE_NOHASHDIR=1;CCACHE_MAXSIZE=$CCACHE_MAXSIZE;ccache"
  [ "${STACKDR_CCACHE:-1}" = 1 ] && command -v ccache >/dev/null || launcher=
  if [ "${*: -2:1}" = "--target" ]; then target=(--target "${*: -1}"); set -- "${@:1:$#-2}"; fi
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
    -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON -DCMAKE_CXX_COMPILER_LAUNCHER="$launcher" "$@" >/dev/null
  cmake --build "$dir" -j2 "${target[@]}"
}

case "${1:-demo}" in
  demo)
    install_missing
    build build
    echo
    echo "== stackdr drill all: inject every fault into the simulated stack, diagnose, recover, verify"
    ./build/stackdr drill all
    echo
    echo "== stackdr drill storage-network-down: the hard case, step by step"
    ./build/stackdr drill storage-network-down
    echo
    echo "== stackdr drill --chaos --seed 1 --count 200: random mixtures, some faults during recovery"
    ./build/stackdr drill --chaos --seed 1 --count 200
    ;;
  build)
    install_missing
    build build
    ;;
  test)
    install_missing
    build build
    ctest --test-dir build --output-on-failure -j2
    ;;
  sanitize)
    install_missing
    build build-asan -DSTACKDR_SANITIZE=ON -DSTACKDR_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug
    # The soak tests (100 randomised fleet runs) run in the release build only: the same code
    # paths run under the sanitizers in the shorter fleet and election tests.
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      ctest --test-dir build-asan --output-on-failure -j2 -LE soak
    ;;
  tsan)
    # The tests under ThreadSanitizer (not in CI: its build and run cost as much again as the
    # sanitize phase); a regular expression narrows them (./dev.sh tsan 'Watch|Daemon').
    install_missing
    build build-tsan -DSTACKDR_TSAN=ON -DSTACKDR_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp" \
      ctest --test-dir build-tsan --output-on-failure -j2 -LE soak ${2:+-R "$2"}
    ;;
  bench)
    install_missing
    build build
    ./build/stackdr_bench
    ;;
  fuzz)
    PACKAGES+=(clang libclang-rt-14-dev)
    install_missing
    CXX=clang++ build build-fuzz -DSTACKDR_FUZZ=ON -DSTACKDR_BENCH=OFF --target stackdr_parse_fuzzer
    fuzzer=$PWD/build-fuzz/stackdr_parse_fuzzer
    seconds=${2:-20}
    crashes=0
    printf '%-24s %12s %8s\n' parser executions crashes
    for kind in $(STACKDR_FUZZ_KIND=--kinds "$fuzzer"); do
      work=build-fuzz/runs/$kind
      rm -rf "$work" && mkdir -p "$work/corpus"
      # Run in its own folder: libFuzzer writes crash-* files where it runs.
      (cd "$work" && STACKDR_FUZZ_KIND=$kind "$fuzzer" -max_total_time="$seconds" -max_len=65536 \
         -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 corpus "$OLDPWD/fuzz/corpus/$kind" >log 2>&1) || true
      n=$(ls "$work" | grep -cE '^(crash|leak|timeout|oom)-' || true)
      runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
      printf '%-24s %12s %8s\n' "$kind" "${runs:-?}" "$n"
      if [ "$n" -ne 0 ] || [ -z "$runs" ]; then
        crashes=$((crashes + 1))
        grep -m5 -E 'ERROR|what\(\)|runtime error|SUMMARY' "$work/log" || true
        echo "   (log and input: $work)"
      fi
    done
    [ "$crashes" -eq 0 ] || { echo "fuzz: $crashes parser(s) crashed"; exit 1; }
    ;;
  package)
    # A Debian package of the binary, its manual page, completion, unit and example topology;
    # then installed on a clean Debian root and tried there (packaging/install_test.sh).
    install_missing
    build build --target stackdr_docs  # the test build's binary (stripped into the package)
    (cd build && cpack -G DEB >/dev/null)
    deb=$(ls -t build/stackdr_*.deb | head -1)
    echo "== $deb"
    dpkg-deb --info "$deb" | sed -n '/^ [A-Z][a-z-]*:/p'
    dpkg-deb --contents "$deb" | awk '{print $NF}'
    [ "${2:-}" = "--no-install-test" ] || packaging/install_test.sh "$deb"
    ;;
  format)
    command -v clang-format >/dev/null || { echo "clang-format is not installed"; exit 2; }
    git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror
    ;;
  *)
    echo "usage: $0 demo|build|test|sanitize|tsan [RE]|bench|fuzz [SECONDS]|format|package [--no-install-test]" >&2
    exit 64
    ;;
esac
