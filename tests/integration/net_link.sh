#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The sandbox's link (docs/network.md): `cvisor do` as root gives the Sentry a veth pair; a
# native peer on the host end and the sandbox reach each other across it, both ways:
#   sandbox -> host: python urllib and curl GET from a native HTTP server on the host end's
#                    address, a UDP question to a native echo server, ping of the host end;
#   host -> sandbox: the same against servers inside the sandbox, from the host.
# Every server serves a fixed number of requests and exits; clients wait for ports (bounded).
#   net_link.sh CVISOR
set -u
cvisor=$1
py=/usr/bin/python3
h=$(realpath "$(dirname "$0")/net_link_helper.py")
if [ "$(id -u)" != 0 ]; then
    echo "not root: the link needs CAP_NET_ADMIN: skipped"
    exit 77
fi
for tool in curl ping ip nft $py; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed: skipped"; exit 77; }
done
net=$($py "$h" subnet) || exit 1
base=${net%/30}
H=${base%.*}.$((${base##*.} + 1))
S=${base%.*}.$((${base##*.} + 2))
d=$(mktemp -d) && chmod 755 "$d" || exit 1
pids=
cleanup() { for p in $pids; do kill -KILL "$p" 2>/dev/null; done; wait; rm -rf "$d"; }
trap cleanup EXIT
echo "hello across the veth" >"$d/small.txt"
chmod 644 "$d/small.txt"
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
expected() { # WHO
    printf '%s\n' "get 200 22 hello across the veth" "hello across the veth" "2 received" \
        "udp-ask echo:ping-from-$1"
}

# Sandbox -> host (UDP last: the sandbox's echo server ends it). The HTTP server counts wait-port's probe as one of its requests.
$py "$h" serve-http "$H" 18080 3 "$d" &
pids="$pids $!"
$py "$h" udp-echo "$H" 19090 1 &
pids="$pids $!"
out=$("$cvisor" do --subnet "$net" -- /bin/sh -c "
    $py $h wait-port $H 18080 &&
    $py $h get http://$H:18080/small.txt &&
    curl -m 20 -sS http://$H:18080/small.txt &&
    ping -c 2 -W 5 $H | grep -o '2 received' &&
    $py $h udp-ask $H 19090 ping-from-sandbox" 2>&1)
echo "# sandbox exit status $?"
check "sandbox to host: urllib, curl, UDP, ping" "$(expected sandbox)" "$out"
wait $pids
pids=

# Host -> sandbox.
"$cvisor" do --subnet "$net" --volume "$d:/srv/www:ro" -- /bin/sh -c "
    $py $h udp-echo 0.0.0.0 19090 1 &
    $py $h serve-http 0.0.0.0 18080 3 /srv/www && wait" >"$d/sandbox.out" 2>&1 &
sb=$!
pids=$sb
# Until the host end exists, $S is routed elsewhere (where anything may answer).
out=$($py "$h" wait-addr "$H" && $py "$h" wait-port "$S" 18080 &&
    $py "$h" get "http://$S:18080/small.txt" &&
    curl -m 20 -sS "http://$S:18080/small.txt" &&
    ping -c 2 -W 5 "$S" | grep -o '2 received' &&
    $py "$h" udp-ask "$S" 19090 ping-from-host)
check "host to sandbox: urllib, curl, UDP, ping" "$(expected host)" "$out"
wait "$sb"
check "sandbox servers exit 0 with no output" "0:" "$?:$(cat "$d/sandbox.out")"
pids=

# The link as the app sees it (netlink, getifaddrs through hostname -I, /proc/net/route and
# dev), compared with a native namespace configured as the runtime configures the sandbox's
# (the MAC differs; the sandbox does not show the veth's peer index and namespace id).
view='
ip -o link show dev eth0 | sed -E "s/link\/ether [0-9a-f:]+/link\/ether MAC/; s/@if[0-9]+//; s/ link-netnsid [0-9]+//"
ip -o -4 addr show dev eth0 | sed -E "s/^[0-9]+: //"
ip route show
ip route show table local dev eth0
hostname -I
awk "NR > 1 && \$1 == \"eth0\"" /proc/net/route
grep -c "eth0:" /proc/net/dev
'
ns=cvisor-test-$$
ip netns add "$ns" &&
    ip link add "cvr$$" type veth peer name eth0 netns "$ns" &&
    ip netns exec "$ns" sh -c "echo 1 >/proc/sys/net/ipv6/conf/eth0/disable_ipv6" &&
    ip -n "$ns" addr add "$S/30" brd + dev eth0 && ip -n "$ns" link set eth0 up &&
    ip link set "cvr$$" up &&
    ip -n "$ns" route add default via "$H" || fail=1
native=$(timeout 60 ip netns exec "$ns" sh -c "$view" 2>&1)
ip netns del "$ns"
sandbox=$(timeout 60 "$cvisor" do --subnet "$net" -- /bin/sh -c "$view" 2>&1)
check "ip link/addr/route, hostname -I, /proc/net/route and dev of eth0: sandbox as native" \
    "$native" "$sandbox"
exit $fail
