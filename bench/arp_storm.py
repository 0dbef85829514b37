#!/usr/bin/env python3
"""An ARP storm from inside a VM's namespace: who-has requests for TARGET
from IFACE's own MAC and SENDER_IP, as fast as one Python process sends
them, for SECONDS.  Counts the replies about TARGET that come back.
Prints "sent N replies R cpu_s C" (C: this process's CPU time).

    arp_storm.py IFACE SENDER_IP TARGET_IP SECONDS
"""
import os
import socket
import struct
import sys
import time


def main():
    iface, spa, tpa, seconds = sys.argv[1], socket.inet_aton(sys.argv[2]), \
        socket.inet_aton(sys.argv[3]), float(sys.argv[4])
    mac = bytes.fromhex(open("/sys/class/net/%s/address" % iface).read().strip().replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    s.bind((iface, 0))
    s.setblocking(False)
    frame = b"\xff" * 6 + mac + b"\x08\x06" + struct.pack(
        "!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, spa, b"\0" * 6, tpa)
    sent = replies = 0
    end = time.time() + seconds
    while time.time() < end:
        for _ in range(64):
            try:
                s.send(frame)
                sent += 1
            except BlockingIOError:
                break
        while True:
            try:
                f = s.recv(2048)
            except BlockingIOError:
                break
            if len(f) >= 32 and f[20:22] == b"\x00\x02" and f[28:32] == tpa:
                replies += 1
    t = os.times()
    print("sent %d replies %d cpu_s %.2f" % (sent, replies, t.user + t.system))


if __name__ == "__main__":
    main()
