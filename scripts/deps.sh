#!/usr/bin/env bash
# deps.sh [run|test|bench]: installs the Debian bookworm packages that part
# of the project needs, and nothing when they are all there already.
set -euo pipefail

build=(build-essential nginx-core nginx-dev libhiredis-dev libjansson-dev libsodium-dev
       libcurl4-openssl-dev libpq-dev
       libpcre2-dev libssl-dev zlib1g-dev)
run=("${build[@]}" redis-server redis-tools curl postgresql)
test=("${run[@]}" perl openssl libtest-base-perl libtest-longstring-perl libtext-diff-perl
      libipc-run-perl liblist-moreutils-perl valgrind clang libclang-rt-14-dev
      chromium fonts-noto-color-emoji)   # the playground's browser tests (playwright-core)
bench=("${run[@]}" wrk python3)

case "${1:-test}" in
  run) want=("${run[@]}") ;;
  test) want=("${test[@]}") ;;
  bench) want=("${bench[@]}") ;;
  *) echo "usage: $0 [run|test|bench]" >&2; exit 2 ;;
esac

# Node.js (any >= 18): the local Bot API emulator (run, tests) and near-api-js (tests)
if [ "${1:-test}" != bench ] && ! command -v node >/dev/null; then
  want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "deps: installing ${missing[*]}" >&2
$sudo apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
  "${missing[@]}" >/dev/null
