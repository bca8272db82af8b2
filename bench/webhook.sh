#!/usr/bin/env bash
# webhook.sh: measures the webhook edge against the reference
# implementations in one run (../shared/peers/run-peers.sh): stock nginx
# `return 200` (the ceiling), nginx+Lua doing the same XADD (the best
# existing way), and ours; wrk POSTs real updates with a fresh update_id at
# 1, 16 and 64 connections and run-peers.sh checks that the stream holds
# every acknowledged update.  Then judges ours against the targets:
#   at 64 connections >= 60 % of `return 200`, >= 2.5x nginx+Lua,
#   p99 <= 2 ms, nothing lost.
#
#   bench/webhook.sh [-d SECONDS] [-r ROUNDS] [-p "PEERS"] [run-peers options]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
peers=${PEERS_DIR:-$root/../shared/peers}
out=${BENCH_OUT:-$root/bench/out/$(date -u +%Y%m%dT%H%M%SZ)}

[ -x "$peers/run-peers.sh" ] || [ -f "$peers/run-peers.sh" ] \
  || { echo "webhook.sh: $peers/run-peers.sh not found (set PEERS_DIR)" >&2; exit 2; }

"$root/scripts/deps.sh" bench
make -s -C "$root"

bash "$peers/run-peers.sh" -p "nginx-return nginx-lua" -o "$out" \
  --target-cmd "mm=$root/bench/start-edge.sh" "$@"

python3 - "$out/results.tsv" <<'PY'
import csv, sys, statistics
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def at64(peer, key):
    vals = [float(r[key]) for r in rows if r["peer"] == peer and r["conc"] == "64" and r[key] != ""]
    return statistics.median(vals) if vals else None
mm, ret, lua = at64("mm", "rps"), at64("nginx-return", "rps"), at64("nginx-lua", "rps")
p99 = at64("mm", "p99_us")
lost = sum(int(r["lost"] or 0) for r in rows if r["peer"] == "mm")
print("\nat 64 connections (median over rounds):")
checks = []
if mm and ret:
    checks.append(("vs return 200", mm / ret, ">= 0.60", mm / ret >= 0.60))
if mm and lua:
    checks.append(("vs nginx+Lua", mm / lua, ">= 2.5", mm / lua >= 2.5))
if p99 is not None:
    checks.append(("p99 ms", p99 / 1000, "<= 2", p99 <= 2000))
checks.append(("lost updates", lost, "== 0", lost == 0))
for name, val, want, ok in checks:
    print(f"  {name:14} {val:8.2f}  target {want:8}  {'ok' if ok else 'MISSED'}")
print(f"  mm {mm:.0f} req/s, return 200 {ret or 0:.0f}, nginx+Lua {lua or 0:.0f}")
PY
