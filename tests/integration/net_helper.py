#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Small network helpers for net_loopback.sh, run the same way natively and in the sandbox.

  free-port             print a TCP port of 127.0.0.1 that nothing uses now
  wait-port PORT        wait (bounded: 10 s) until 127.0.0.1:PORT accepts a connection
  make-files DIR        write small.txt and a 100 KiB big.bin with fixed content
  urllib URL            GET with urllib: status, length, sha256 of the body
  asyncio PORT PATH     GET with an asyncio client over raw streams: status line, length
  bench-csv FILE        check redis-benchmark --csv output: one line per test, rps > 0
"""
import asyncio
import hashlib
import os
import socket
import sys
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def wait_port(port):
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"port {port} never accepted")
            time.sleep(0.02)  # the server is starting: poll its port, bounded


def make_files(d):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "small.txt"), "w") as f:
        f.write("hello from the loopback\n")
    with open(os.path.join(d, "big.bin"), "wb") as f:
        f.write(bytes((i * 7 + i // 251) & 0xFF for i in range(100 * 1024)))


def do_urllib(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = r.read()
            print(f"urllib {r.status} {len(body)} {hashlib.sha256(body).hexdigest()[:16]}")
    except urllib.error.HTTPError as e:
        print(f"urllib {e.code}")


async def asyncio_get(port, path):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()  # HTTP/1.0: the server closes after the reply
    writer.close()
    await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n")[0].decode()
    print(f"asyncio {status} {len(body)} {hashlib.sha256(body).hexdigest()[:16]}")


def bench_csv(path):
    lines = open(path).read().strip().splitlines()
    for line in lines:
        fields = [f.strip('"') for f in line.split(",")]
        if fields[0] == "test":
            continue
        ok = float(fields[1]) > 0
        print(f"benchmark {fields[0]} {'ok' if ok else 'ZERO'}")


def main():
    cmd = sys.argv[1]
    if cmd == "free-port":
        free_port()
    elif cmd == "wait-port":
        wait_port(int(sys.argv[2]))
    elif cmd == "make-files":
        make_files(sys.argv[2])
    elif cmd == "urllib":
        do_urllib(sys.argv[2])
    elif cmd == "asyncio":
        asyncio.run(asyncio_get(int(sys.argv[2]), sys.argv[3]))
    elif cmd == "bench-csv":
        bench_csv(sys.argv[2])
    else:
        sys.exit(f"unknown command {cmd}")


main()
