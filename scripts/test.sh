#!/usr/bin/env bash
# test.sh: every test, on a fresh Debian bookworm machine or a developer's.
#   1. C unit tests of shared/ and the worker's pure parts (TAP; built with
#      ASan and UBSan, on shared/tests/tap.h)
#   1b. every libFuzzer target for 8 s on a copy of its seeds (scripts/fuzz.sh)
#   2. the worker's tests (worker/tests/): near-api-js checking near sign,
#      the chain layer, and the bot end to end (nginx, Redis, PostgreSQL,
#      the worker and a local Bot API emulator); the emulator's playground
#      page in Debian's chromium, alone and through the whole bot
#   2b. the stream and bot tests again with mm-worker built with ASan+UBSan
#   3. the module's t/ suites against real nginx and Redis
#   4. the same suites with the module built with ASan and UBSan
#   5. the webhook suites with nginx under valgrind memcheck
# Each suite starts its own Redis and nginx on free loopback ports.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/deps.sh test
make -s -j"$(nproc)" all unit asan

export PERL5LIB=$root/t/lib:$root/tests/lib${PERL5LIB:+:$PERL5LIB}
jobs=${TEST_JOBS:-2}

echo "== unit tests (shared/, worker/chain/, the worker's pure parts)"
prove --exec '' build/tests/test_*

echo "== libFuzzer targets, 8 s each (scripts/fuzz.sh; worker/tests/fuzz/)"
scripts/fuzz.sh 8

echo "== the Bot API emulator's own tests (worker/tests/botapi/)"
node --test worker/tests/botapi/selftest.mjs

echo "== the playground page in chromium (worker/tests/browser/)"
# playwright-core, pinned by package-lock.json, drives /usr/bin/chromium; no browser download
npm ci --prefix worker/tests/browser --no-audit --no-fund --silent
rm -rf t/servroot-browser-page
MM_SHOTS=$root/t/servroot-browser-page/logs/shots node --test worker/tests/browser/page.test.mjs

echo "== worker (worker/tests/)"
# near-api-js, pinned by package-lock.json, checks what near sign produces
npm ci --prefix worker/tests/near-peer --no-audit --no-fund --silent
# the local NEAR node the wallet tests and bench/payouts.pl run against
node --test worker/tests/near-peer/node.test.mjs
# playground.t: the page through the whole bot (skipped without chromium, unless required)
MM_REQUIRE_BROWSER=1 TEST_NGINX_LOAD_MODULES=$root/build/ngx_mm_module.so prove -j"$jobs" worker/tests/

echo "== the stream and the bot again, mm-worker built with AddressSanitizer and UBSan"
MM_WORKER_BIN=$root/build/asan/mm-worker ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
TEST_NGINX_LOAD_MODULES=$root/build/ngx_mm_module.so \
  prove -j"$jobs" worker/tests/ingest.t worker/tests/questions.t worker/tests/generate.t worker/tests/review.t worker/tests/bot-*.t worker/tests/group-quiz.t \
    worker/tests/payer.t

echo "== module suites and the harness's self-test (t/)"
TEST_NGINX_LOAD_MODULES=$root/build/ngx_mm_module.so prove -j"$jobs" t/

# the module's suites, without the harness's own self-test (t/000-harness.t)
module_suites=$(ls t/*.t | grep -v '^t/000-')

echo "== module suites, module built with AddressSanitizer and UBSan"
# nginx itself is not instrumented: the ASan runtime is preloaded into it.
# Leak checking is valgrind's job below (nginx keeps some memory until exit).
TEST_NGINX_LOAD_MODULES=$root/build/asan/ngx_mm_module.so \
TEST_NGINX_LD_PRELOAD=$(gcc -print-file-name=libasan.so) \
TEST_NGINX_ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  prove -j"$jobs" $module_suites

echo "== webhook suites, nginx under valgrind memcheck"
TEST_NGINX_LOAD_MODULES=$root/build/ngx_mm_module.so TEST_NGINX_USE_VALGRIND=1 \
  prove -j"$jobs" t/010-webhook.t t/020-redis-failures.t t/030-health-metrics.t

echo "== no secret material in any log the suites left (scripts/no-secrets.pl)"
perl scripts/no-secrets.pl
