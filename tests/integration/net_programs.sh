#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# More real programs over loopback, natively and in the sandbox, their outcomes compared:
# iperf3 upload and download (2 s each: the transfer completes, receiver and sender agree),
# and a node HTTP server answering curl and 500 requests of ab at concurrency 10 (all
# complete, none failed). Rates are printed, not compared. The servers' ports are waited for
# in /proc/net/tcp (iperf3 -1 serves exactly one client, so no probe connection).
#   net_programs.sh CVISOR
set -u
. "$(dirname "$0")/legs.sh" "$1"
for tool in iperf3 node ab curl; do
    if ! command -v "$tool" >/dev/null; then
        echo "$tool is not installed: skipped"
        exit 77
    fi
done

scenario='
d=$(mktemp -d) || exit 1
pids=
cleanup() { for p in $pids; do kill -KILL "$p" 2>/dev/null && wait "$p"; done; rm -rf "$d"; }
trap cleanup EXIT
# Wait (bounded) until TCP port $1 (hex) listens on the loopback.
wait_listen() {
    for _ in $(seq 400); do
        grep -q ":$1 00000000:0000 0A" /proc/net/tcp && return 0
        grep -q ":$1 00000000000000000000000000000000:0000 0A" /proc/net/tcp6 && return 0
        sleep 0.05
    done
    echo "port $1 never listened"
}
port=$(/usr/bin/python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])")
hex=$(printf %04X "$port")
for dir in upload download; do
    iperf3 -s -1 -B 127.0.0.1 -p "$port" >"$d/server.log" 2>&1 &
    pids=$!
    wait_listen "$hex"
    flag=; [ $dir = download ] && flag=-R
    iperf3 -c 127.0.0.1 -p "$port" -t 2 $flag -J >"$d/client.json" 2>&1
    echo "iperf3 $dir client status $?"
    wait "$pids"; pids=
    /usr/bin/python3 - "$d/client.json" "$dir" <<PY
import json, sys
r = json.load(open(sys.argv[1]))["end"]
sent, recv = r["sum_sent"]["bytes"], r["sum_received"]["bytes"]
print(f"iperf3 {sys.argv[2]}: bytes moved {sent > 0 and recv > 0}, receiver has all {recv >= sent * 0.99}")
rate = r["sum_received"]["bits_per_second"] / 1e6
print(f"rate {sys.argv[2]}: {rate:.0f} Mbit/s", file=sys.stderr)
PY
done
cat >"$d/srv.js" <<JS
const http = require("http");
const s = http.createServer((req, res) => { res.end("hello from node " + req.url + "\\n"); });
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); });
JS
node "$d/srv.js" >"$d/port" &
pids=$!
for _ in $(seq 400); do [ -s "$d/port" ] && break; sleep 0.05; done
p=$(cat "$d/port")
curl -sS "http://127.0.0.1:$p/x"
ab -n 500 -c 10 "http://127.0.0.1:$p/" >"$d/ab.out" 2>&1
echo "ab status $?"
grep -E "^(Complete|Failed) requests" "$d/ab.out"
grep "^Requests per second" "$d/ab.out" >&2
kill "$pids"; wait "$pids"; pids=
'
leg programs-native native bash -c "$scenario"
leg programs-sandbox sandbox bash -c "$scenario"
for l in programs-native programs-sandbox; do
    grep -E "^(rate |Requests per second)" "$work/$l.out" | sed "s/^/$l: /"
    sed -i -E '/^(rate |Requests per second)/d' "$work/$l.out"
done
expect programs-native '^iperf3 upload: bytes moved True, receiver has all True$'
expect programs-native '^iperf3 download: bytes moved True, receiver has all True$'
expect programs-native '^Complete requests: +500$'
expect programs-native '^Failed requests: +0$'
same "iperf3 both ways, node with curl and ab: sandbox as native" programs-native programs-sandbox
finish
