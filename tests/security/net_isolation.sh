#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The sandbox's link may reach the host only at the veth peer address it is given, and frames
# from the link never bring the Sentry down (docs/network.md, docs/security.md).
#   net_isolation.sh CVISOR HELPER reach
#     Native TCP services on the host's 127.0.0.1, on another address of the host and on the
#     host end of the veth: the first two are reachable natively (checked first); from the
#     sandbox only the third is (127.0.0.1 is the sandbox's own loopback, the peer address
#     does not lead to the host's loopback services, the other address is filtered).
#   net_isolation.sh CVISOR HELPER fuzz LINK_FUZZ
#     While the sandbox serves HTTP, link_fuzz writes 30,000 malformed Ethernet, IPv4, IPv6 and
#     ARP frames (random, truncated, with correct checksums) into the host end of its veth;
#     the sandbox still answers afterwards and exits 0.
set -u
cvisor=$1
h=$2
mode=$3
py=/usr/bin/python3
if [ "$(id -u)" != 0 ]; then
    echo "not root: the link needs CAP_NET_ADMIN: skipped"
    exit 77
fi
for tool in ip nft curl $py; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
net=$($py "$h" subnet) || exit 1
base=${net%/30}
H=${base%.*}.$((${base##*.} + 1))
S=${base%.*}.$((${base##*.} + 2))
d=$(mktemp -d) && chmod 755 "$d" || exit 1
pids=
cleanup() { for p in $pids; do kill -KILL "$p" 2>/dev/null; done; wait; cat "$d/sandbox.out" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
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

reach() {
    local other p1 p2 p3
    other=$(ip -4 -o addr | awk '$2 != "lo" && $2 !~ /^cvh/ { sub("/.*", "", $4); print $4; exit }')
    p1=$(port) p2=$(port) p3=$(port)
    # Each native server expects wait-port's probe and one read.
    $py "$h" serve-tcp 127.0.0.1 "$p1" 2 &
    pids="$pids $!"
    $py "$h" serve-tcp "$H" "$p3" 1 &
    pids="$pids $!"
    $py "$h" wait-port 127.0.0.1 "$p1"
    local expect_native="tcp-read hello from 127.0.0.1"
    local native
    native=$($py "$h" tcp-read 127.0.0.1 "$p1")
    if [ -n "$other" ]; then
        $py "$h" serve-tcp "$other" "$p2" 2 &
        pids="$pids $!"
        $py "$h" wait-port "$other" "$p2"
        native+=$'\n'$($py "$h" tcp-read "$other" "$p2")
        expect_native+=$'\n'"tcp-read hello from $other"
    else
        echo "# the host has no address besides loopback: that case is skipped"
    fi
    check "native: the host's services are reachable" "$expect_native" "$native"
    # The runtime skips installing its filter while the host's ruleset is as it left it: take
    # the table away (a firewall reload) and the next sandbox must put it back before it runs.
    nft delete table inet cvisor 2>/dev/null || true
    local out expect
    out=$("$cvisor" do --subnet "$net" -- /bin/sh -c "
        $py $h tcp-read $H $p3
        $py $h tcp-read 127.0.0.1 $p1
        $py $h tcp-read $H $p1
        ${other:+$py $h tcp-read $other $p2 2}" 2>&1)
    expect=$(printf '%s\n' "tcp-read hello from $H" "tcp-read ECONNREFUSED" \
        "tcp-read ECONNREFUSED" ${other:+"tcp-read timeout"})
    check "sandbox: only the veth peer address is reachable" "$expect" "$out"
    check "the host's filter is back" "table inet cvisor" "$(nft list tables | grep -x 'table inet cvisor')"
}

fuzz() {
    local fuzzer=$1 mac status
    "$cvisor" do --subnet "$net" -- /bin/sh -c "
        $py $h serve-tcp 0.0.0.0 9000 1000000 & bg=\$!
        $py $h serve-http 0.0.0.0 8000 3 / ; kill \$bg" >"$d/sandbox.out" 2>&1 &
    local sb=$!
    pids="$pids $sb"
    # Until the host end exists, $S is routed elsewhere (where anything may answer).
    $py "$h" wait-addr "$H" && $py "$h" wait-port "$S" 8000 || { echo "not ok - $S:8000"; return 1; }
    check "before: the sandbox serves" "get 200" "$($py "$h" get "http://$S:8000/" | cut -d' ' -f1-2)"
    local ifname
    ifname=$(ip -o -4 addr show to "$H/32" | awk '{ print $2 }')
    mac=$(ip neigh show "$S" dev "$ifname" | awk '{ print $3 }')
    [ -n "$mac" ] || { echo "not ok - no neighbour entry for $S"; return 1; }
    [ -n "$ifname" ] || { echo "not ok - no host interface has $H"; return 1; }
    "$fuzzer" "$ifname" "$mac" "$S" 9000 "${FUZZ_FRAMES:-30000}" "$RANDOM" || fail=1
    check "after: the sandbox still serves" "get 200" "$($py "$h" get "http://$S:8000/" | cut -d' ' -f1-2)"
    wait "$sb"
    status=$?
    check "the sandbox exits 0 with no output" "0:" "$status:$(cat "$d/sandbox.out")"
}

case "$mode" in
reach) reach || fail=1 ;;
fuzz) fuzz "$4" || fail=1 ;;
*) echo "unknown mode $mode"; exit 2 ;;
esac
exit $fail
