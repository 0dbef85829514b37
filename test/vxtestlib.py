"""Helpers shared by the Python tests."""
import socket


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Checks:
    """Named checks that count passes and print failures: check(name, cond, detail)."""

    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, name, cond, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL %s %s" % (name, detail))


def start_daemon(daemon, conf, api_port, of_port, stderr):
    """Starts vxfabricd on 'conf' with its OpenFlow listener on 'of_port';
    returns the process once its API on 'api_port' accepts connections, or
    once it has exited (a start-up error)."""
    import subprocess
    import time
    proc = subprocess.Popen([daemon, "--config", conf, "--listen", "tcp:127.0.0.1:%d" % of_port],
                            stdout=subprocess.DEVNULL, stderr=stderr)
    for _ in range(200):
        if proc.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", api_port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.02)
    return proc
