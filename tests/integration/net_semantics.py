#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Socket semantics printed for comparison (net_semantics.sh runs it natively and in the
sandbox and compares): option defaults and errnos of unconnected TCP/UDP sockets of both
families, poll masks through every TCP state, shutdowns, resets, refused connects, UDP
shutdowns and connects. Everything stays on the loopback, on ports the script binds."""
import errno
import os
import select
import socket
import struct

S = socket
def e(f):
    try: return f()
    except OSError as x: return errno.errorcode.get(x.errno, x.errno)
out = []
for fam in (S.AF_INET, S.AF_INET6):
    for typ in (S.SOCK_STREAM, S.SOCK_DGRAM):
        s = S.socket(fam, typ)
        for lvl, name, nm in [(S.SOL_SOCKET, S.SO_SNDBUF, "sndbuf"), (S.SOL_SOCKET, S.SO_RCVBUF, "rcvbuf"), (S.SOL_SOCKET, S.SO_TYPE, "type"),
                              (S.SOL_SOCKET, S.SO_REUSEADDR, "reuse"), (S.SOL_SOCKET, S.SO_KEEPALIVE, "ka"), (S.SOL_SOCKET, S.SO_BROADCAST, "bc"),
                              (S.SOL_SOCKET, S.SO_RCVLOWAT, "lowat"), (S.SOL_SOCKET, S.SO_SNDLOWAT, "sndlowat"), (S.SOL_SOCKET, S.SO_PRIORITY, "prio"),
                              (S.SOL_SOCKET, S.SO_ERROR, "err"), (S.SOL_SOCKET, S.SO_OOBINLINE, "oob"), (S.IPPROTO_IP, S.IP_TTL, "ttl"), (S.IPPROTO_IP, S.IP_TOS, "tos"),
                              (S.IPPROTO_TCP, S.TCP_NODELAY, "nodelay"), (S.IPPROTO_TCP, S.TCP_MAXSEG, "maxseg"), (S.IPPROTO_TCP, S.TCP_KEEPIDLE, "kidle"),
                              (S.IPPROTO_IPV6, S.IPV6_V6ONLY, "v6only"), (S.IPPROTO_IPV6, S.IPV6_UNICAST_HOPS, "hops"), (S.IPPROTO_IPV6, S.IPV6_TCLASS, "tclass"),
                              (S.SOL_SOCKET, S.SO_ACCEPTCONN, "acc"), (S.SOL_SOCKET, S.SO_DOMAIN, "dom")]:
            out.append(f"{fam} {typ} {nm} {e(lambda: s.getsockopt(lvl, name))}")
        out.append(f"{fam} {typ} name {e(lambda: s.getsockname())}")
        out.append(f"{fam} {typ} peer {e(lambda: s.getpeername())}")
        out.append(f"{fam} {typ} recv {e(lambda: s.recv(1, S.MSG_DONTWAIT))}")
        out.append(f"{fam} {typ} shut {e(lambda: s.shutdown(S.SHUT_RD))}")
        out.append(f"{fam} {typ} listen {e(lambda: s.listen())}")
        p = select.poll(); p.register(s, select.POLLIN | select.POLLOUT | select.POLLRDHUP)
        out.append(f"{fam} {typ} poll {p.poll(0)[0][1] if p.poll(0) else 0}")
        s.close()
# TCP lifecycle
l = S.socket(); l.setsockopt(S.SOL_SOCKET, S.SO_REUSEADDR, 1); l.bind(("127.0.0.1", 0)); l.listen()
c = S.create_connection(l.getsockname()); a, _ = l.accept()
out.append(f"sndbuf-conn {c.getsockopt(S.SOL_SOCKET, S.SO_SNDBUF) > 0}")
a.close()
out.append(f"after peer close recv {e(lambda: c.recv(10))}")
out.append(f"send1 {e(lambda: c.send(b'x'))}")
select.select([c], [], [], 2)
out.append(f"send2 {e(lambda: c.send(b'x'))}")
out.append(f"send3 {e(lambda: c.send(b'x'))}")
out.append(f"poll-after {select.poll().poll(0)}")
p = select.poll(); p.register(c, select.POLLIN | select.POLLOUT | select.POLLRDHUP)
out.append(f"poll-reset {p.poll(0)}")
out.append(f"peer-after {e(lambda: c.getpeername())}")
c.close()
# UDP edge
u = S.socket(S.AF_INET, S.SOCK_DGRAM)
out.append(f"udp connect0 {e(lambda: u.connect(('127.0.0.1', 0)))}")
out.append(f"udp peer {e(lambda: u.getpeername())[0] if isinstance(e(lambda: u.getpeername()), tuple) else e(lambda: u.getpeername())}")
out.append(f"udp send0 {e(lambda: u.send(b'x'))}")
out.append(f"udp bind-after-connect {e(lambda: u.bind(('127.0.0.1', 0)))}")

# ---- TCP states and poll masks ----
import time
S2 = S
P = select.POLLIN | select.POLLOUT | select.POLLRDHUP | select.POLLPRI
def pm(s):
    p = select.poll(); p.register(s, P); r = p.poll(0); return r[0][1] if r else 0
def settle(s):
    p = select.poll(); p.register(s, select.POLLIN); p.poll(300)
def pair(fam=S2.AF_INET):
    host = "127.0.0.1" if fam == S2.AF_INET else "::1"
    l = S2.socket(fam); l.bind((host, 0)); l.listen(4)
    c = S2.socket(fam); c.connect(l.getsockname()[:2]); a, _ = l.accept(); l.close(); return c, a
for fam in (S2.AF_INET, S2.AF_INET6):
    c, a = pair(fam)
    out.append(f"{fam} estab c={pm(c)} a={pm(a)}")
    c.send(b"abc"); settle(a)
    out.append(f"{fam} data a={pm(a)}")
    out.append(f"{fam} peek {e(lambda: a.recv(10, S2.MSG_PEEK))} {e(lambda: a.recv(2))} {e(lambda: a.recv(10, S2.MSG_DONTWAIT))} {e(lambda: a.recv(10, S2.MSG_DONTWAIT))}")
    c.shutdown(S2.SHUT_WR); settle(a)
    out.append(f"{fam} c-shutwr c={pm(c)} a={pm(a)} recv={e(lambda: a.recv(10))}")
    a.shutdown(S2.SHUT_WR); settle(c)
    out.append(f"{fam} both-shutwr c={pm(c)} a={pm(a)} recv={e(lambda: c.recv(10))}")
    time.sleep(0.05)
    out.append(f"{fam} after c={pm(c)} a={pm(a)} err={c.getsockopt(S2.SOL_SOCKET, S2.SO_ERROR)}")
    out.append(f"{fam} send-after {e(lambda: c.send(b'x', S2.MSG_NOSIGNAL))}")
    c.close(); a.close()
    # shutdown RD
    c, a = pair(fam)
    a.shutdown(S2.SHUT_RD)
    out.append(f"{fam} shutrd a={pm(a)} recv={e(lambda: a.recv(10))} c={pm(c)}")
    c.send(b"late"); settle(a)
    out.append(f"{fam} shutrd-late a={pm(a)} recv={e(lambda: a.recv(10, S2.MSG_DONTWAIT))}")
    c.close(); a.close()
    # shutdown RDWR
    c, a = pair(fam)
    c.shutdown(S2.SHUT_RDWR); settle(a)
    out.append(f"{fam} rdwr c={pm(c)} a={pm(a)} send={e(lambda: c.send(b'x', S2.MSG_NOSIGNAL))} recv={e(lambda: c.recv(1))}")
    c.close(); a.close()
    # listener states
    l = S2.socket(fam); l.bind(("127.0.0.1" if fam == S2.AF_INET else "::1", 0)); l.listen(2)
    out.append(f"{fam} listen poll={pm(l)} recv={e(lambda: l.recv(1))} send={e(lambda: l.send(b'x', S2.MSG_NOSIGNAL))} peer={e(lambda: l.getpeername())}")
    l.shutdown(S2.SHUT_RD)
    out.append(f"{fam} listen-shut poll={pm(l)} accept={e(lambda: l.accept())}")
    l.close()
    # bound, unconnected
    b = S2.socket(fam); b.bind(("127.0.0.1" if fam == S2.AF_INET else "::1", 0))
    out.append(f"{fam} bound poll={pm(b)} bind2={e(lambda: b.bind(('127.0.0.1' if fam == S2.AF_INET else '::1', 0)))}")
    b.close()
    # connect refused: poll
    r = S2.socket(fam); r.setblocking(False)
    x = S2.socket(fam); x.bind(("127.0.0.1" if fam == S2.AF_INET else "::1", 0)); port = x.getsockname()[1]; x.close()
    e(lambda: r.connect(("127.0.0.1" if fam == S2.AF_INET else "::1", port)))
    pl = select.poll(); pl.register(r, P); pl.poll(2000)
    out.append(f"{fam} refused poll={pm(r)} again={e(lambda: r.connect(('127.0.0.1' if fam == S2.AF_INET else '::1', port)))} err={r.getsockopt(S2.SOL_SOCKET, S2.SO_ERROR)} poll2={pm(r)}")
    r.close()
# epoll events for reset
c, a = pair()
ep = select.epoll(); ep.register(c, select.EPOLLIN | select.EPOLLOUT | select.EPOLLRDHUP)
a.setsockopt(S2.SOL_SOCKET, S2.SO_LINGER, b"\x01\0\0\0\0\0\0\0"); a.close(); settle(c)
out.append(f"epoll-reset {ep.poll(0)[0][1]}")
c.close()
# UDP poll and shutdown
u = S2.socket(S2.AF_INET, S2.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
out.append(f"udp poll {pm(u)}")
u.shutdown(S2.SHUT_RD) if False else None
v = S2.socket(S2.AF_INET, S2.SOCK_DGRAM); v.connect(u.getsockname())
v.shutdown(S2.SHUT_WR)
out.append(f"udp shutwr poll {pm(v)} send {e(lambda: v.send(b'x'))}")
v.shutdown(S2.SHUT_RD)
out.append(f"udp shutrdwr poll {pm(v)} recv {e(lambda: v.recv(1))}")

# ---- a full send buffer: EAGAIN, no POLLOUT; edge-triggered EPOLLOUT once drained ----
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
c = socket.create_connection(l.getsockname()); a, _ = l.accept()
c.setblocking(False)
ep = select.epoll(); ep.register(c, select.EPOLLOUT | select.EPOLLET)
out.append("first %s" % [ev for _, ev in ep.poll(0)])
out.append("again %s" % ([ev for _, ev in ep.poll(0)],))
total = 0
while True:
    try: total += c.send(b"x" * 65536)
    except BlockingIOError: break
out.append("filled %s" % (total > 0,))
p = select.poll(); p.register(c, select.POLLOUT)
out.append("pollout-when-full %s" % ([ev for _, ev in p.poll(0)],))
out.append("epoll-when-full %s" % ([ev for _, ev in ep.poll(0)],))
got = 0
a.setblocking(False)
while got < total:
    try: got += len(a.recv(1 << 20))
    except BlockingIOError: select.select([a], [], [], 1)
out.append("drained %s" % (got == total,))
time.sleep(0.05)
out.append("epoll-after-drain %s" % ([ev for _, ev in ep.poll(1000)],))
out.append("pollout-after %s" % ([ev for _, ev in p.poll(1000)],))

print("\n".join(out))
