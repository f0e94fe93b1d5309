#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Real servers and clients over loopback, natively and inside one sandbox (--network=sandbox,
# the Sentry's own TCP/IP stack), outputs compared:
#   http:  python3 http.server; a urllib client, an asyncio client and curl fetch a small
#          file, a 100 KiB file and a missing one (status, length, checksum);
#   redis: redis-server with redis-cli commands and a short redis-benchmark (-n 2000, every
#          test must report a rate, no errors);
#   nginx: a master and two workers serve the 100 KiB file to curl, one request at a time
#          and several over one keep-alive connection.
# Each server gets a port free at the time (natively on the host's loopback, in the sandbox
# on its own), and the client waits until the port accepts. Nothing else of the host is used.
#   net_loopback.sh CVISOR
set -u
. "$(dirname "$0")/legs.sh" "$1"
helper=$(realpath "$(dirname "$0")/net_helper.py")
for tool in curl redis-server redis-cli redis-benchmark nginx /usr/bin/python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "$tool is not installed: skipped"
        exit 77
    fi
done

common='
py=/usr/bin/python3
h=HELPER
d=$(mktemp -d) && chmod 755 "$d" || exit 1
pids=
cleanup() { for p in $pids; do kill -KILL "$p" 2>/dev/null && wait "$p"; done; rm -rf "$d"; }
trap cleanup EXIT
$py $h make-files "$d/www"
port=$($py $h free-port)
'
common=${common//HELPER/$helper}

http=$common'
$py -m http.server "$port" --bind 127.0.0.1 --directory "$d/www" >"$d/http.log" 2>&1 &
pids=$!
$py $h wait-port "$port"
for f in small.txt big.bin missing.txt; do
    $py $h urllib "http://127.0.0.1:$port/$f"
    $py $h asyncio "$port" "/$f"
    curl -sS -o "$d/out" -w "curl %{http_code} %{size_download} " "http://127.0.0.1:$port/$f"
    sha256sum <"$d/out" | cut -c1-16
done
kill "$pids"
wait "$pids"
echo "http.server stopped: $?"
pids=
'

redis=$common'
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$d" \
    >"$d/redis.log" 2>&1 &
pids=$!
$py $h wait-port "$port"
r() { redis-cli -p "$port" "$@"; }
r set greeting hello
r get greeting
r incr counter; r incr counter; r incr counter
r rpush list a b c
r lrange list 0 -1
r dbsize
redis-benchmark -p "$port" -n 2000 -c 10 -t set,get,incr,lpush,lpop --csv >"$d/bench.csv" \
    2>"$d/bench.err"
echo "redis-benchmark status $?"
$py $h bench-csv "$d/bench.csv"
echo "redis-benchmark errors: $(grep -ci error "$d/bench.err")"
r shutdown nosave
wait "$pids"
echo "redis-server stopped: $?"
pids=
'

nginx=$common'
mkdir "$d/logs"
cat >"$d/nginx.conf" <<CONF
worker_processes 2;
pid $d/nginx.pid;
error_log $d/logs/error.log;
events { worker_connections 64; }
http {
    access_log $d/logs/access.log;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    server {
        listen 127.0.0.1:$port;
        root $d/www;
    }
}
CONF
nginx -p "$d" -c "$d/nginx.conf" -g "daemon off;" 2>"$d/startup.err" &
pids=$!
$py $h wait-port "$port"
for i in 1 2 3; do
    curl -sS -o "$d/out" -w "curl %{http_code} %{size_download} " "http://127.0.0.1:$port/big.bin"
    sha256sum <"$d/out" | cut -c1-16
done
curl -sS -o /dev/null -o /dev/null -o /dev/null -w "keep-alive %{http_code} %{num_connects}\n" \
    "http://127.0.0.1:$port/big.bin" "http://127.0.0.1:$port/small.txt" \
    "http://127.0.0.1:$port/missing.txt"
kill -QUIT "$pids"
wait "$pids"
echo "nginx stopped: $?"
pids=
echo "access log lines: $(wc -l <"$d/logs/access.log")"
'

for s in http redis nginx; do
    leg "$s-native" native bash -c "${!s}"
    leg "$s-sandbox" sandbox bash -c "${!s}"
done
expect http-native '^urllib 200 102400 '
expect http-native '^asyncio HTTP/1.0 200 OK 102400 '
expect http-native '^curl 404 '
expect redis-native '^benchmark GET ok$'
expect redis-native '^redis-benchmark errors: 0$'
expect nginx-native '^keep-alive 200 1$'
expect nginx-native '^keep-alive 404 0$'
expect nginx-native '^access log lines: 6$'
same "python http.server, urllib, asyncio, curl: sandbox as native" http-native http-sandbox
same "redis-server, redis-cli, redis-benchmark: sandbox as native" redis-native redis-sandbox
same "nginx and curl: sandbox as native" nginx-native nginx-sandbox
finish
