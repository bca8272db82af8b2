#!/usr/bin/env bash
# start-edge.sh: nginx with ngx_mm_module in the foreground, configured from
# the environment run-peers.sh gives a --target-cmd (PORT, REDIS_PORT,
# PEERS_SECRET, PEERS_STREAM).  Tuned like the peers: 2 workers, no access
# log, keepalive without limit, bodies in one 16k buffer.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
module=${MM_MODULE:-$root/build/ngx_mm_module.so}
prefix=$(mktemp -d -t mm-edge.XXXXXX)
mkdir -p "$prefix/logs" "$prefix/tmp"

cat >"$prefix/nginx.conf" <<EOT
load_module $module;
worker_processes ${MM_WORKERS:-2};
daemon off;
error_log $prefix/logs/error.log warn;
pid $prefix/logs/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $prefix/tmp;
    keepalive_requests 1000000;
    client_max_body_size 1m;
    client_body_buffer_size 16k;
    client_header_buffer_size 2k;   # headers and a typical update in one read

    mm_redis 127.0.0.1:$REDIS_PORT;

    server {
        listen 127.0.0.1:$PORT reuseport backlog=4096;
        location = /webhook {
            mm_webhook;
            mm_webhook_secret "$PEERS_SECRET";
            mm_stream ${PEERS_STREAM:-mm:updates};
        }
        location = /metrics { mm_metrics; }
    }
}
EOT
exec nginx -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
