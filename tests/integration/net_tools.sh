#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The network tools on the sandbox's stack: ip (netlink route: link, address and local route
# dumps of lo) and hostname -I (getifaddrs) print in the sandbox what they print natively for
# the loopback; ping reaches 127.0.0.1 and ::1 (raw ICMP sockets); ss and netstat (/proc/net/tcp, udp6) list a TCP listener and a UDP socket of
# the sandbox (not compared: the host has sockets of its own; ss reads /proc/net, as there is
# no NETLINK_SOCK_DIAG, so a listener shows Send-Q 0 as Linux's /proc/net/tcp has it), and
# the --network flag: none has the loopback too, an unknown mode is a usage error.
#   net_tools.sh CVISOR
set -u
. "$(dirname "$0")/legs.sh" "$1"
for tool in ip ss netstat hostname ping /usr/bin/python3; do
    if ! command -v "$tool" >/dev/null; then
        echo "$tool is not installed: skipped"
        exit 77
    fi
done

ip_scenario='
ip -o link show dev lo
ip -o addr show dev lo
ip route show table local dev lo
echo "hostname -I lists 127.0.0.1: $(hostname -I | grep -c 127.0.0.1)"
'
leg ip-native native bash -c "$ip_scenario"
leg ip-sandbox sandbox bash -c "$ip_scenario"
expect ip-native '^1: lo +inet 127\.0\.0\.1/8 scope host lo'
same "ip link/addr/route of lo, hostname -I: sandbox as native" ip-native ip-sandbox

# ping over raw ICMP sockets (root has CAP_NET_RAW natively and in the sandbox).
ping_scenario='
ping -c 2 -i 0.2 -W 5 127.0.0.1 | grep -E "packets transmitted"
ping -6 -c 2 -i 0.2 -W 5 ::1 | grep -E "packets transmitted"
'
leg ping-native native bash -c "$ping_scenario"
leg ping-sandbox sandbox bash -c "$ping_scenario"
sed -i -E 's/, time [0-9]+ms$//' "$work/ping-native.out" "$work/ping-sandbox.out"
expect ping-native '^2 packets transmitted, 2 received, 0% packet loss$'
same "ping 127.0.0.1 and ::1: sandbox as native" ping-native ping-sandbox

ss_scenario='
/usr/bin/python3 - <<PY
import socket, subprocess
l = socket.socket()
l.bind(("127.0.0.1", 4711))
l.listen(5)
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.bind(("::1", 4712))
subprocess.run(["ss", "-tlnH"])
subprocess.run(["ss", "-ulnH"])
subprocess.run("netstat -tln | grep 4711", shell=True)
PY
'
leg ss-sandbox sandbox bash -c "$ss_scenario"
expect ss-sandbox '^LISTEN +0 +0 +127\.0\.0\.1:4711 '
expect ss-sandbox '^UNCONN +0 +0 +\[::1\]:4712 '
expect ss-sandbox '^tcp +0 +0 127\.0\.0\.1:4711 +0\.0\.0\.0:\* +LISTEN'

# --network=none has the stack and its loopback too; an unknown mode is a usage error.
if [ "$cvisor" != native ]; then
    out=$("$cvisor" do --network=none -- /usr/bin/python3 -c 'import socket
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
socket.create_connection(l.getsockname()); print("loopback ok")' 2>&1)
    if [ "$out" = "loopback ok" ]; then echo "ok: --network=none: $out"; else
        echo "FAIL: --network=none: $out"; fail=1; fi
    out=$("$cvisor" do --network=host -- /bin/true 2>&1)
    rc=$?
    if [ $rc = 125 ] && [[ "$out" == *"unknown network"* ]]; then
        echo "ok: --network=host is refused for now (125)"
    else
        echo "FAIL: --network=host: status $rc: $out"
        fail=1
    fi
fi
finish
