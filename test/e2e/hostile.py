#!/usr/bin/env python3
"""Hostile and stressful OpenFlow clients for vxfabricd's robustness tests.

Each mode connects to 127.0.0.1:PORT only, is bounded in time, and exits 0
when the controller behaved as required, 1 otherwise, printing why.

  garbage      sends non-OpenFlow bytes: must be disconnected promptly
  version      HELLO for OpenFlow 1.0 only: must get HELLO_FAILED/INCOMPATIBLE
  stall        handshakes, then declares a 64 KiB message and sends no body:
               must be disconnected (after the echo timeout)
  noread       handshakes, then floods echo requests and never reads:
               must be disconnected; the controller's memory stays bounded
  storm N      N switches connect at once: every one must be asked for
               FEATURES (the acceptor drains the backlog)
  replace      a second connection from the same datapath-id: the first
               must be closed, the second kept
  dupflood N   N times, a new connection claims the datapath-id of one that
               is carrying traffic: each old one must be closed, the last
               one kept and answered
  statsflood T answers the FLOW stats request with parts flagged
               REPLY_MORE forever: must be disconnected within T s
  idle N       N TCP connections that never say HELLO, held 6 s: the
               controller must stay up (checked by the caller), and a
               switch connecting after they close must be served
"""
import select
import socket
import struct
import sys
import time

OFP13 = 0x04
HELLO, ERROR, ECHO_REQ, ECHO_REP, FEATURES_REQ, FEATURES_REP = 0, 1, 2, 3, 5, 6


def msg(mtype, xid, body=b"", version=OFP13):
    return struct.pack("!BBHI", version, mtype, 8 + len(body), xid) + body


def hello13():
    # Version bitmap element advertising 1.3 (A.5.1).
    return msg(HELLO, 1, struct.pack("!HHI", 1, 8, 1 << OFP13))


def features_reply(xid, dpid):
    return msg(FEATURES_REP, xid, struct.pack("!QIBBxxII", dpid, 0, 254, 0, 0, 0))


def recv_msg(s, timeout):
    """Reads one OpenFlow message; None on EOF or timeout."""
    s.settimeout(timeout)
    buf = b""
    try:
        while len(buf) < 8:
            d = s.recv(8 - len(buf))
            if not d:
                return None
            buf += d
        length = struct.unpack("!H", buf[2:4])[0]
        while len(buf) < length:
            d = s.recv(length - len(buf))
            if not d:
                return None
            buf += d
    except (socket.timeout, ConnectionResetError):
        return None
    return buf


def wait_closed(s, timeout):
    """True if the peer closes the connection within 'timeout' seconds."""
    deadline = time.time() + timeout
    s.setblocking(False)
    while time.time() < deadline:
        r, _, _ = select.select([s], [], [], 0.2)
        if r:
            try:
                if not s.recv(65536):
                    return True
            except ConnectionResetError:
                return True
            except BlockingIOError:
                pass
    return False


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def handshake(s, dpid):
    """Completes HELLO and FEATURES as a switch would."""
    s.sendall(hello13())
    got_features = False
    deadline = time.time() + 5
    while not got_features and time.time() < deadline:
        m = recv_msg(s, 5)
        if m is None:
            return False
        if m[1] == FEATURES_REQ:
            s.sendall(features_reply(struct.unpack("!I", m[4:8])[0], dpid))
            got_features = True
    return got_features


def fail(why):
    print("FAIL:", why)
    sys.exit(1)


def mode_garbage(port):
    s = connect(port)
    s.sendall(b"GET / HTTP/1.1\r\nHost: vxfabric\r\n\r\n" * 4)
    if not wait_closed(s, 3):
        fail("garbage client was not disconnected within 3 s")


def mode_version(port):
    s = connect(port)
    s.sendall(msg(HELLO, 7, version=0x01))
    deadline = time.time() + 3
    while time.time() < deadline:
        m = recv_msg(s, 3)
        if m is None:
            fail("no ERROR before the connection closed")
        if m[1] == ERROR:
            etype, ecode = struct.unpack("!HH", m[8:12])
            if (etype, ecode) != (0, 0):
                fail("ERROR type %d code %d, want HELLO_FAILED/INCOMPATIBLE" % (etype, ecode))
            if not wait_closed(s, 3):
                fail("still connected after HELLO_FAILED")
            return
    fail("no ERROR within 3 s")


def mode_stall(port, timeout):
    s = connect(port)
    if not handshake(s, 0xDEAD0001):
        fail("handshake did not complete")
    s.sendall(struct.pack("!BBHI", OFP13, ECHO_REQ, 65535, 99))   # no body follows
    if not wait_closed(s, timeout):
        fail("stalled client still connected after %d s" % timeout)


def mode_noread(port, timeout):
    s = connect(port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    if not handshake(s, 0xDEAD0002):
        fail("handshake did not complete")
    payload = b"x" * 65000
    s.setblocking(False)
    sent = 0
    deadline = time.time() + timeout
    closed = False
    pending = b""
    while time.time() < deadline:
        if not pending:
            pending = msg(ECHO_REQ, sent & 0xFFFFFFFF, payload)
        try:
            n = s.send(pending)     # whole messages only: keep the stream framed
            sent += n
            pending = pending[n:]
        except BlockingIOError:
            time.sleep(0.05)        # our send buffer is full: the controller stopped reading
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
    if not closed:
        # Still not reading: the controller must close us soon after.
        closed = wait_closed(s, 2)
    if not closed:
        fail("non-reading client still connected after %d s (sent %d bytes)" % (timeout, sent))
    print("sent %d bytes before being disconnected" % sent)


def connect_many(port, n):
    """n non-blocking connections under way at once."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
    return socks


def mode_storm(port, n):
    socks = connect_many(port, n)
    pending = {s.fileno(): (s, b"") for s in socks}
    asked = set()
    deadline = time.time() + 10
    for s in socks:
        select.select([], [s], [], 5)
        s.sendall(hello13())
    while len(asked) < n and time.time() < deadline:
        r, _, _ = select.select([p[0] for p in pending.values()], [], [], 0.5)
        for s in r:
            try:
                d = s.recv(65536)
            except BlockingIOError:
                continue
            if not d:
                fail("storm connection closed by the controller")
            _, buf = pending[s.fileno()]
            buf += d
            while len(buf) >= 8 and len(buf) >= struct.unpack("!H", buf[2:4])[0]:
                length = struct.unpack("!H", buf[2:4])[0]
                if buf[1] == FEATURES_REQ:
                    asked.add(s.fileno())
                buf = buf[length:]
            pending[s.fileno()] = (s, buf)
    if len(asked) < n:
        fail("only %d of %d simultaneous connections got FEATURES_REQUEST" % (len(asked), n))
    for s in socks:
        s.close()


def mode_replace(port):
    a = connect(port)
    if not handshake(a, 0xDEAD0003):
        fail("first connection: handshake did not complete")
    time.sleep(0.3)
    b = connect(port)
    if not handshake(b, 0xDEAD0003):
        fail("second connection: handshake did not complete")
    if not wait_closed(a, 3):
        fail("the first connection of the datapath was not closed")
    b.sendall(msg(ECHO_REQ, 42))
    deadline = time.time() + 3
    while time.time() < deadline:
        m = recv_msg(b, 3)
        if m is None:
            fail("the second connection was not kept")
        if m[1] == ECHO_REP and struct.unpack("!I", m[4:8])[0] == 42:
            return
    fail("no echo reply on the second connection")


MULTIPART_REQ, MULTIPART_REP = 18, 19
OFPMP_FLOW, OFPMPF_REPLY_MORE = 1, 1


def echo_answered(s, xid, timeout=5):
    s.sendall(msg(ECHO_REQ, xid))
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = recv_msg(s, timeout)
        if m is None:
            return False
        if m[1] == ECHO_REP and struct.unpack("!I", m[4:8])[0] == xid:
            return True
    return False


def mode_dupflood(port, n):
    traffic = msg(ECHO_REQ, 7) * 16
    old = connect(port)
    if not handshake(old, 0xDEAD0004):
        fail("first handshake did not complete")
    for i in range(n):
        try:
            old.sendall(traffic)        # the old connection is busy...
        except OSError:
            pass
        new = connect(port)             # ...when the datapath reconnects
        if not handshake(new, 0xDEAD0004):
            fail("reconnect %d: handshake did not complete" % i)
        try:
            old.sendall(traffic)
        except OSError:
            pass
        old.close()
        old = new
    if not echo_answered(old, 4242):
        fail("the last connection is not served")
    print("%d reconnects" % n)


def flow_entry(i):
    # OF1.3.5 A.3.5.2: a table-3 flow of ours, matching in_port i.
    m = struct.pack("!HH", 1, 12) + struct.pack("!IIx3x", 0x80000004, i)[:8] + b"\0" * 4
    return struct.pack("!HBxIIHHHH4xQQQ", 48 + len(m), 3, 0, 0, 100, 0, 0, 0,
                       0x7678000000000000, 0, 0) + m


def mode_statsflood(port, timeout):
    s = connect(port)
    if not handshake(s, 0xDEAD0005):
        fail("handshake did not complete")
    xid, deadline = None, time.time() + 5
    while xid is None and time.time() < deadline:
        m = recv_msg(s, 5)
        if m is None:
            fail("closed before the FLOW stats request")
        if m[1] == MULTIPART_REQ and struct.unpack("!H", m[8:10])[0] == OFPMP_FLOW:
            xid = struct.unpack("!I", m[4:8])[0]
    if xid is None:
        fail("no FLOW stats request")
    sent, deadline = 0, time.time() + timeout
    while time.time() < deadline:
        body = struct.pack("!HH4x", OFPMP_FLOW, OFPMPF_REPLY_MORE)
        body += b"".join(flow_entry(sent + k) for k in range(100))
        try:
            s.sendall(msg(MULTIPART_REP, xid, body))
        except OSError:
            print("disconnected after %d flows" % sent)
            return
        sent += 100
    if not wait_closed(s, 2):
        fail("still connected after streaming %d flows for %d s" % (sent, timeout))
    print("disconnected after %d flows" % sent)


def mode_idle(port, n):
    socks = connect_many(port, n)
    time.sleep(6)
    for s in socks:
        s.close()
    # Slots free again: a switch is served (retried while the acceptor
    # backs off from fd exhaustion).
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            s = connect(port)
            if handshake(s, 0xDEAD0006) and echo_answered(s, 77):
                print("%d idle connections, then a switch served" % n)
                return
        except OSError:
            pass
        time.sleep(0.5)
    fail("no switch served after the idle connections closed")


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    arg = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    {"garbage": lambda: mode_garbage(port),
     "version": lambda: mode_version(port),
     "stall": lambda: mode_stall(port, arg),
     "noread": lambda: mode_noread(port, arg),
     "storm": lambda: mode_storm(port, arg),
     "replace": lambda: mode_replace(port),
     "dupflood": lambda: mode_dupflood(port, arg),
     "statsflood": lambda: mode_statsflood(port, arg),
     "idle": lambda: mode_idle(port, arg)}[mode]()
    print("ok:", mode)


if __name__ == "__main__":
    main()
