#!/usr/bin/env bash
# run.sh: builds Mental Maze and runs the whole bot on this machine until
# Ctrl-C: a private PostgreSQL on 127.0.0.1:5433 and Redis on 6380 (data in
# build/run/), nginx with the module on http://127.0.0.1:8080
# (conf/local.conf) and mm-worker with the offline question source.
#
#   TELEGRAM_TOKEN unset   "Telegram" is the local Bot API emulator on
#                          http://127.0.0.1:8081, delivering to the webhook;
#                          its playground page there is a Telegram-like web
#                          chat with the bot (three players and a group)
#   TELEGRAM_TOKEN set     the real Telegram: long polling, or the webhook
#                          when WEBHOOK_URL (your public HTTPS URL) is set
# Nothing is installed as a system service; everything stops on exit.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/deps.sh run
make -s -j"$(nproc)"

run=$root/build/run
mkdir -p "$run/logs" "$run/tmp" "$run/redis"
pids=()
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pgdata=$run/pg/data
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)   # PostgreSQL refuses root

stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
  echo "stopped"
}
trap stop EXIT
trap 'exit 130' INT TERM

# PostgreSQL: the truth (players, runs, answers, points, the outbox)
if [ ! -d "$pgdata" ]; then
  mkdir -p "$run/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$run/pg"
  "${as_pg[@]}" "$pgbin/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 >"$run/logs/initdb.log"
fi
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdata" -l "$run/pg/postgres.log" -w \
  -o "-p 5433 -k $run/pg -c listen_addresses=127.0.0.1" start >/dev/null
"$pgbin/createdb" -h 127.0.0.1 -p 5433 -U postgres mm 2>/dev/null || true

# Redis: the update stream, leases, caches
redis-server --port 6380 --bind 127.0.0.1 --dir "$run/redis" --appendonly yes \
  --logfile "$run/logs/redis.log" --daemonize no &
pids+=($!)
for _ in $(seq 50); do redis-cli -p 6380 ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p 6380 ping >/dev/null || { echo "redis did not start: $run/logs/redis.log" >&2; exit 1; }

nginx -p "$run/" -c "$root/conf/local.conf" -e "$run/logs/error.log" -g 'daemon off;' &
pids+=($!)

export DATABASE_URL=postgresql://postgres@127.0.0.1:5433/mm REDIS_PORT=6380
if [ -z "${TELEGRAM_TOKEN:-}" ]; then
  export TELEGRAM_TOKEN=1000000001:local-emulator-token
  export TELEGRAM_API_BASE=http://127.0.0.1:8081
  export WEBHOOK_URL=http://127.0.0.1:8080/tg/webhook WEBHOOK_SECRET=local-dev-secret
  # update ids go on from the last one the bot processed: it ignores repeats
  first=$(psql -h 127.0.0.1 -p 5433 -U postgres -d mm -tAc \
          'SELECT coalesce(max(update_id), 0) + 1 FROM processed_updates' 2>/dev/null || true)
  node worker/tests/botapi/botapi.mjs --port 8081 --token "$TELEGRAM_TOKEN" \
    --bot-username mental_maze_local_bot --bot-name "Mental Maze" --playground ${first:+--first-update-id "$first"} \
    >"$run/logs/botapi.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do grep -q listening "$run/logs/botapi.log" && break; sleep 0.1; done
  build/mm-worker set-webhook >/dev/null
  mode=emulator
elif [ -n "${WEBHOOK_URL:-}" ]; then
  mode=webhook
else
  mode=polling
fi

build/mm-worker run 2>>"$run/logs/worker.log" &
pids+=($!)

for _ in $(seq 50); do curl -fs http://127.0.0.1:8080/healthz >/dev/null 2>&1 && break; sleep 0.1; done
cat <<EOT
Mental Maze is running (Ctrl-C stops it):
  webhook  http://127.0.0.1:8080/tg/webhook  (secret: local-dev-secret)
  health   http://127.0.0.1:8080/healthz     metrics  http://127.0.0.1:8080/metrics
  logs     $run/logs/ (worker.log: one JSON object per line)
EOT
case $mode in
  emulator) echo "No TELEGRAM_TOKEN, so a local emulator plays Telegram: open http://127.0.0.1:8081/" ;;
  polling) echo "Serving Telegram by long polling getUpdates (no WEBHOOK_URL set)." ;;
  webhook) echo "Serving Telegram through the webhook; register it once: build/mm-worker set-webhook" ;;
esac
wait -n "${pids[@]}"
