#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Helpers for the link tests (net_link.sh, tests/security/net_isolation.sh), run natively on
the host end of the sandbox's veth and inside the sandbox.

  subnet                      print a random /30 of 10.210.0.0/15 no host interface uses
  serve-http ADDR PORT N DIR  serve DIR over HTTP on ADDR:PORT for N requests, then exit
  serve-tcp ADDR PORT N       accept N connections; each gets "hello from ADDR" and is closed
  udp-echo ADDR PORT N        echo N datagrams (prefixed "echo:") back to their senders
  wait-addr ADDR              wait (bounded: 10 s) until ADDR is an address of this host (the
                              host end of a sandbox's veth appears with the sandbox)
  wait-port ADDR PORT         wait (bounded: 10 s) until ADDR:PORT accepts a connection
  get URL                     GET with urllib: status, length and the body's first line
  get-retry URL               the same, asking again (bounded: 10 s) while the connection is
                              refused or reset (a published port whose server is starting)
  tcp-read ADDR PORT [SECS]   connect, print what the server says, or the errno's name
  udp-ask ADDR PORT MSG       send MSG until an answer comes (bounded: 10 tries), print it
Addresses that are not yet configured (the host end appears with the sandbox) are bound with
IP_FREEBIND, so a server can start before the sandbox that it serves.
"""
import errno
import http.server
import ipaddress
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

IP_FREEBIND = 15


def subnet():
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    nets = [ipaddress.ip_interface(w).network for line in used.splitlines()
            for w in line.split() if "/" in w and w[0].isdigit()]
    for _ in range(1000):
        n = ipaddress.ip_network((0x0AD20000 + random.randrange(0x20000 // 4) * 4, 30))
        if not any(n.overlaps(u) for u in nets):
            print(n)
            return
    sys.exit("no free subnet")


def listener(addr, port, kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if addr != "0.0.0.0" and not addr.startswith("127."):
        try:
            s.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
        except OSError:
            pass  # the sandbox's stack binds only its own addresses anyway
    s.bind((addr, port))
    if kind == socket.SOCK_STREAM:
        s.listen(16)
    return s


def serve_http(addr, port, n, d):
    os.chdir(d)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    class Server(http.server.HTTPServer):
        def server_bind(self):
            self.socket = listener(addr, port)
            self.server_address = self.socket.getsockname()

        def server_activate(self):
            pass

    srv = Server((addr, port), Quiet)
    for _ in range(n):
        srv.handle_request()


def serve_tcp(addr, port, n):
    s = listener(addr, port)
    for _ in range(n):
        c, _ = s.accept()
        c.sendall(f"hello from {addr}\n".encode())
        c.close()


def udp_echo(addr, port, n):
    s = listener(addr, port, socket.SOCK_DGRAM)
    for _ in range(n):
        data, peer = s.recvfrom(65536)
        s.sendto(b"echo:" + data, peer)


def wait_addr(addr):
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind((addr, 0))
            return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"{addr} never appeared")
            time.sleep(0.02)  # the sandbox is starting: poll the address, bounded


def wait_port(addr, port):
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection((addr, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"{addr}:{port} never accepted")
            time.sleep(0.02)  # the server is starting: poll its port, bounded


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        body = r.read()
        first = body.splitlines()[0][:40].decode(errors="replace") if body else ""
        print(f"get {r.status} {len(body)} {first}")


def get_retry(url):
    deadline = time.monotonic() + 10
    while True:
        try:
            get(url)
            return
        except (ConnectionError, urllib.error.URLError) as e:
            if time.monotonic() > deadline:
                sys.exit(f"{url}: {e}")
            time.sleep(0.02)  # the server is starting: ask again, bounded


def tcp_read(addr, port, secs=3.0):
    try:
        with socket.create_connection((addr, port), timeout=secs) as c:
            print("tcp-read", c.recv(100).decode().strip())
    except socket.timeout:
        print("tcp-read timeout")
    except OSError as e:
        print("tcp-read", errno.errorcode.get(e.errno, e.errno))


def udp_ask(addr, port, msg):
    # UDP's own rule: ask again when no answer comes (the server may not be bound yet).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        for _ in range(10):
            s.sendto(msg.encode(), (addr, port))
            try:
                print("udp-ask", s.recvfrom(65536)[0].decode())
                return
            except socket.timeout:
                continue
            except OSError as e:
                print("udp-ask", errno.errorcode.get(e.errno, e.errno))
                return
        print("udp-ask timeout")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "subnet":
        subnet()
    elif cmd == "serve-http":
        serve_http(args[0], int(args[1]), int(args[2]), args[3])
    elif cmd == "serve-tcp":
        serve_tcp(args[0], int(args[1]), int(args[2]))
    elif cmd == "udp-echo":
        udp_echo(args[0], int(args[1]), int(args[2]))
    elif cmd == "wait-addr":
        wait_addr(args[0])
    elif cmd == "wait-port":
        wait_port(args[0], int(args[1]))
    elif cmd == "get":
        get(args[0])
    elif cmd == "get-retry":
        get_retry(args[0])
    elif cmd == "tcp-read":
        tcp_read(args[0], int(args[1]), float(args[2]) if len(args) > 2 else 3.0)
    elif cmd == "udp-ask":
        udp_ask(args[0], int(args[1]), args[2])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
