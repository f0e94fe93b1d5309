#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `cvisor do --publish [ADDR:]HOST:SANDBOX` (docs/network.md): a host TCP port forwarded to a
# server inside the sandbox over its link. A native client fetches a small file and a 1 MiB
# file (checksummed) through the host port, on the host's loopback and on all addresses; a
# host port already in use makes `cvisor do` fail at once with status 125.
#   net_publish.sh CVISOR
set -u
cvisor=$1
py=/usr/bin/python3
h=$(realpath "$(dirname "$0")/net_link_helper.py")
if [ "$(id -u)" != 0 ]; then
    echo "not root: --publish needs the link (CAP_NET_ADMIN): skipped"
    exit 77
fi
for tool in curl ip nft sha256sum $py; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
d=$(mktemp -d) && chmod 755 "$d" || exit 1
pids=
cleanup() { for p in $pids; do kill -KILL "$p" 2>/dev/null; done; wait; rm -rf "$d"; }
trap cleanup EXIT
echo "published" >"$d/small.txt"
head -c 1048576 /dev/urandom >"$d/big.bin"
chmod 644 "$d"/*
fail=0
check() { # NAME EXPECTED ACTUAL
    if [ "$2" == "$3" ]; then
        echo "ok - $1"
    else
        echo "not ok - $1"
        diff <(echo "$2") <(echo "$3") | sed 's/^/#   /'
        fail=1
    fi
}
port() { $py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
p1=$(port) p2=$(port)
# The server inside answers three requests and exits; that ends the sandbox.
"$cvisor" do --publish "127.0.0.1:$p1:8000" --publish "$p2:8000" --volume "$d:/srv/www:ro" -- \
    $py "$h" serve-http 0.0.0.0 8000 3 /srv/www >"$d/sandbox.out" 2>&1 &
sb=$!
pids=$sb
out=$($py "$h" get-retry "http://127.0.0.1:$p1/small.txt" &&
    curl -m 20 -sS "http://127.0.0.1:$p1/big.bin" | sha256sum &&
    curl -m 20 -sS "http://127.0.0.1:$p2/small.txt")
check "a native client reaches the sandbox's server through the host ports" \
    "$(printf '%s\n' "get 200 10 published" "$(sha256sum <"$d/big.bin")" "published")" "$out"
wait "$sb"
check "the sandbox exits 0 with no output" "0:" "$?:$(cat "$d/sandbox.out")"
pids=

$py "$h" serve-tcp 127.0.0.1 "$p1" 2 &
pids=$!
$py "$h" wait-port 127.0.0.1 "$p1"
"$cvisor" do --publish "127.0.0.1:$p1:80" -- /bin/true 2>"$d/err"
status=$?
check "a host port in use: status 125 and a message" "125 1" "$status $(grep -c 'publish host port' "$d/err")"
exit $fail
