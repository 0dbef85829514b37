#!/usr/bin/env python3
"""A one-shot OpenFlow 1.3 controller for the HA lab's fencing check (#15).

  ofrole.py SOCKET GENERATION

Listens on unix SOCKET (a bridge's controller target), takes the switch's
connection, sends ROLE_REQUEST MASTER with GENERATION and prints what the
switch answers: "role_reply ROLE GENERATION" or "error TYPE CODE"
(OFPET_ROLE_REQUEST_FAILED is 11, OFPRRFC_STALE 0).  OF1.3.5 A.3.9.
"""
import os
import socket
import struct
import sys

path, gen = sys.argv[1], int(sys.argv[2])
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(1)
srv.settimeout(20)
c, _ = srv.accept()
c.settimeout(10)
c.sendall(struct.pack("!BBHI", 4, 0, 8, 1))                                   # HELLO
c.sendall(struct.pack("!BBHII4xQ", 4, 24, 24, 77, 2, gen))                     # ROLE_REQUEST MASTER
buf = b""
while True:
    d = c.recv(65536)
    if not d:
        print("closed")
        break
    buf += d
    done = False
    while len(buf) >= 8:
        v, t, ln, xid = struct.unpack("!BBHI", buf[:8])
        if len(buf) < ln:
            break
        m, buf = buf[:ln], buf[ln:]
        if t == 2:                                                             # ECHO_REQUEST
            c.sendall(struct.pack("!BBHI", 4, 3, ln, xid) + m[8:])
        elif t == 25 and xid == 77:                                            # ROLE_REPLY
            role, g = struct.unpack("!I4xQ", m[8:24])
            print("role_reply", role, g)
            done = True
        elif t == 1 and xid == 77:                                             # ERROR
            et, code = struct.unpack("!HH", m[8:12])
            print("error", et, code)
            done = True
    if done:
        break
sys.stdout.flush()
