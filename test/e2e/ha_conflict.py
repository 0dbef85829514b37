#!/usr/bin/env python3
"""Two conflicting writes of one object on two instances (#15).

  ha_conflict.py API_A API_B PID_B PATH BODY_A BODY_B

Instance B (PID_B) is stopped with a write already sent to it, so that it
validates that write against the object as it was; instance A writes the
same object meanwhile; then B resumes.  Prints "A=STATUS B=STATUS".  With
etcd's compare on mod_revision, exactly one write wins: B must answer 409.
"""
import http.client
import os
import signal
import sys
import time
import urllib.parse

api_a, api_b, pid_b, path, body_a, body_b = sys.argv[1:7]
pid_b = int(pid_b)


def conn(api):
    u = urllib.parse.urlparse(api)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=15)


b = conn(api_b)
b.request("GET", path)              # a kept-alive connection that B has accepted
b.getresponse().read()
os.kill(pid_b, signal.SIGSTOP)
try:
    b.request("PUT", path, body=body_b, headers={"Content-Type": "application/json"})
    a = conn(api_a)
    a.request("PUT", path, body=body_a, headers={"Content-Type": "application/json"})
    status_a = a.getresponse().status
    time.sleep(0.5)                 # etcd's event for A's write waits in B's socket
finally:
    os.kill(pid_b, signal.SIGCONT)
status_b = b.getresponse().status
print("A=%d B=%d" % (status_a, status_b))
