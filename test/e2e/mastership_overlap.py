#!/usr/bin/env python3
"""Whether two instances ever held one bridge's mastership at once (#15).

  mastership_overlap.py SINCE_NS LOG...

Reads each instance's log: "dpid D: master (generation" opens its
mastership of D when OVS's ROLE_REPLY came, "dpid D: giving up mastership"
closes it (logged before the instance stops programming), and a process
start ("vxfabricd ... listening") closes all of them (the process before
was killed).  Prints every overlap after SINCE_NS (epoch nanoseconds) and
exits 1 if there is one.  Sampling the instances one after the other
cannot say this: a demotion and a promotion can fall between two samples.
"""
import datetime
import re
import sys

since = int(sys.argv[1]) / 1e9
intervals = {}          # dpid -> [(start, end, instance)]
for path in sys.argv[2:]:
    name = re.search(r"vxfabricd-([^/.]+)\.log$", path).group(1)
    open_ = {}
    for line in open(path, errors="replace"):
        try:
            t = datetime.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f")
        except ValueError:
            continue
        t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
        m = re.search(r"dpid (0x[0-9a-f]+): (master \(generation|giving up mastership)", line)
        if m:
            dpid, what = m.groups()
            if what.startswith("master") and dpid not in open_:
                open_[dpid] = t
            elif what.startswith("giving") and dpid in open_:
                intervals.setdefault(dpid, []).append((open_.pop(dpid), t, name))
        elif "listening on" in line:
            for dpid, start in open_.items():
                intervals.setdefault(dpid, []).append((start, t, name))
            open_ = {}
    for dpid, start in open_.items():
        intervals.setdefault(dpid, []).append((start, float("inf"), name))

bad = 0
for dpid, iv in intervals.items():
    iv.sort()
    for i, (s1, e1, n1) in enumerate(iv):
        for s2, e2, n2 in iv[i + 1:]:
            if n1 != n2 and s2 < e1 and e1 > since and e2 > since:
                print("%s: %s master %.3f-%.3f and %s master from %.3f" % (dpid, n1, s1, e1, n2, s2))
                bad += 1
sys.exit(1 if bad else 0)
