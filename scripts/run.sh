#!/usr/bin/env bash
# run.sh: builds Mental Maze and runs it on this machine until Ctrl-C.
# Starts a private Redis on 127.0.0.1:6380 (data in build/run/redis), nginx
# with the module on http://127.0.0.1:8080 (conf/local.conf) and mm-worker;
# stops all three on exit.  Nothing is installed as a system service.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/deps.sh run
make -s -j"$(nproc)"

run=$root/build/run
mkdir -p "$run/logs" "$run/tmp" "$run/redis"
pids=()

stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped"
}
trap stop EXIT
trap 'exit 130' INT TERM

redis-server --port 6380 --bind 127.0.0.1 --dir "$run/redis" --appendonly yes \
  --logfile "$run/logs/redis.log" --daemonize no &
pids+=($!)
for _ in $(seq 50); do redis-cli -p 6380 ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p 6380 ping >/dev/null || { echo "redis did not start: $run/logs/redis.log" >&2; exit 1; }

nginx -p "$run/" -c "$root/conf/local.conf" -e "$run/logs/error.log" -g 'daemon off;' &
pids+=($!)

REDIS_PORT=6380 build/mm-worker run &
pids+=($!)

for _ in $(seq 50); do curl -fs http://127.0.0.1:8080/healthz >/dev/null 2>&1 && break; sleep 0.1; done
cat <<EOT
Mental Maze is running (Ctrl-C stops it):
  webhook  http://127.0.0.1:8080/tg/webhook  (secret: local-dev-secret)
  health   http://127.0.0.1:8080/healthz
  metrics  http://127.0.0.1:8080/metrics
  logs     $run/logs/
Try:
  curl -i -H 'X-Telegram-Bot-Api-Secret-Token: local-dev-secret' \\
       --data '{"update_id":1,"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"text":"/start"}}' \\
       http://127.0.0.1:8080/tg/webhook
  redis-cli -p 6380 XRANGE mm:updates - +
EOT
wait -n "${pids[@]}"
