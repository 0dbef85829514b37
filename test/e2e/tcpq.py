#!/usr/bin/env python3
"""TCP probes for the gateway lab (#16).

  tcpq.py serve ADDR PORT LOGFILE   accept forever; log each peer's address
                                    (one line per connection); echo data
  tcpq.py connect ADDR PORT [SRC]   connect (3 s) from SRC, send, print the echo
  tcpq.py hold ADDR PORT SRC FIFO   connect, then send one line per line
                                    read from FIFO, printing each echo or
                                    "timeout"; a connection kept open
                                    across a configuration change
"""
import socket
import sys
import threading


def serve(addr, port, logfile):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(16)
    while True:
        c, peer = s.accept()
        with open(logfile, "a") as f:
            f.write(peer[0] + "\n")
        threading.Thread(target=echo, args=(c,), daemon=True).start()


def echo(c):
    try:
        while True:
            d = c.recv(4096)
            if not d:
                break
            c.sendall(d)
    except OSError:
        pass
    c.close()


def connect(addr, port, src=None):
    c = socket.create_connection((addr, int(port)), timeout=3,
                                 source_address=(src, 0) if src else None)
    c.sendall(b"hello\n")
    print(c.recv(64).decode().strip())


def hold(addr, port, src, fifo):
    c = socket.create_connection((addr, int(port)), timeout=3, source_address=(src, 0))
    with open(fifo) as f:
        for line in f:
            try:
                c.sendall(line.encode())
                print(c.recv(64).decode().strip() or "closed", flush=True)
            except OSError:
                print("timeout", flush=True)


if __name__ == "__main__":
    {"serve": serve, "connect": connect, "hold": hold}[sys.argv[1]](*sys.argv[2:])
