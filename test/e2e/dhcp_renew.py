#!/usr/bin/env python3
"""Run inside a leased VM: sends a RENEWING DHCPREQUEST by unicast UDP to
the server identifier (RFC 2131 4.4.5), as a client renewing at T1 does,
and expects the reply.  The kernel resolves the server with ARP first, so
this also proves the gateway answers ARP.

    dhcp_renew.py MAC CIADDR SERVER EXPECT      (EXPECT: ack or nak)
"""
import socket
import struct
import sys


def main():
    mac, ciaddr, server, expect = sys.argv[1:5]
    chaddr = bytes(int(x, 16) for x in mac.split(":"))
    xid = 0x5EED1234
    msg = struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, 0, xid, 0, 0, socket.inet_aton(ciaddr),
                      b"\0" * 4, b"\0" * 4, b"\0" * 4)
    msg += chaddr + b"\0" * 10 + b"\0" * 192 + struct.pack("!I", 0x63825363)
    msg += bytes([53, 1, 3, 55, 3, 1, 3, 6, 255])

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.bind(("", 68))
    s.settimeout(3)
    s.sendto(msg, (server, 67))
    try:
        while True:
            data, (src, _) = s.recvfrom(2048)
            if len(data) < 244 or struct.unpack("!I", data[4:8])[0] != xid:
                continue
            opts = data[240:]
            mtype, i = None, 0
            while i + 1 < len(opts) and opts[i] != 255:
                if opts[i] == 0:
                    i += 1
                    continue
                if opts[i] == 53:
                    mtype = opts[i + 2]
                i += 2 + opts[i + 1]
            got = {5: "ack", 6: "nak"}.get(mtype, str(mtype))
            yiaddr = socket.inet_ntoa(data[16:20])
            print("reply %s from %s, yiaddr %s" % (got, src, yiaddr))
            if got != expect:
                sys.exit(1)
            if got == "ack" and (src != server or yiaddr != ciaddr):
                sys.exit(1)
            return
    except socket.timeout:
        print("no reply to the unicast renewal")
        sys.exit(1)


if __name__ == "__main__":
    main()
