#!/usr/bin/env bash
# stackdr's developer entry point. Installs what is missing (Debian bookworm packages),
# builds, and runs one of:
#   ./dev.sh demo      the main job: drills that inject, diagnose and recover every fault on
#                      the simulated stack, one drill's step log, and a chaos drill
#   ./dev.sh build     install what is missing and build (lab/run.sh uses it)
#   ./dev.sh test      all tests (ctest), the default build
#   ./dev.sh sanitize  all tests under AddressSanitizer + UBSan
#   ./dev.sh bench     the Google Benchmark figures quoted in the README
#   ./dev.sh format    check clang-format (exit 1 if a file needs formatting)
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake ninja-build pkg-config libcli11-dev nlohmann-json3-dev libfmt-dev
          libyaml-cpp-dev libsqlite3-dev libgtest-dev libgmock-dev libbenchmark-dev)

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

build() {  # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j2
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
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      ctest --test-dir build-asan --output-on-failure -j2
    ;;
  bench)
    install_missing
    build build
    ./build/stackdr_bench
    ;;
  format)
    command -v clang-format >/dev/null || { echo "clang-format is not installed"; exit 2; }
    git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror
    ;;
  *)
    echo "usage: $0 demo|build|test|sanitize|bench|format" >&2
    exit 64
    ;;
esac
