#!/usr/bin/env python3
"""One ARP request from inside a VM's namespace, and whether it is answered.

    arpq.py IFACE SENDER_IP TARGET_IP

Sends a who-has TARGET_IP from IFACE's MAC and SENDER_IP (which may be
spoofed) and waits 1.5 s for a reply about TARGET_IP.  Prints the MAC that
answered and exits 0, or exits 1 if none did.  Raw AF_PACKET socket: run
as root inside the lab's namespace only.
"""
import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806


def main():
    iface, spa, tpa = sys.argv[1], socket.inet_aton(sys.argv[2]), socket.inet_aton(sys.argv[3])
    mac = bytes.fromhex(open("/sys/class/net/%s/address" % iface).read().strip().replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((iface, 0))
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, spa, b"\0" * 6, tpa)
    s.send(b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP) + arp)
    deadline = time.time() + 1.5
    while time.time() < deadline:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            frame = s.recv(2048)
        except socket.timeout:
            break
        if len(frame) < 32:
            continue
        op, sha, psa = struct.unpack("!6xH6s4s", frame[14:32])
        if op == 2 and psa == tpa:
            print(":".join("%02x" % b for b in sha))
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
