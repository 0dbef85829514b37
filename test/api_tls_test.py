#!/usr/bin/env python3
"""The HTTP API over TLS (#18): HTTPS with libmicrohttpd and GnuTLS, the
bearer token read from a file, optional client certificates, and vxctl's
--cacert, --token-file, --cert and --key.  Certificates are made here with
the openssl command line.

    api_tls_test.py VXFABRICD VXCTL SOURCE_DIR
"""
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings

from vxtestlib import Checks, free_port, start_daemon

warnings.filterwarnings("ignore", category=DeprecationWarning)   # TLS 1.1 on purpose
check = Checks()


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def make_certs(d):
    """A CA, a server certificate for 127.0.0.1, a client certificate, and
    a second CA's client certificate."""
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "%s/%s.key" % (d, ca),
                "-out", "%s/%s.pem" % (d, ca), "-days", "2", "-subj", "/CN=%s" % ca)
    san = os.path.join(d, "san.ext")
    with open(san, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    for name, ca, ext in (("server", "ca", san), ("client", "ca", None), ("rogue", "other-ca", None)):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "%s/%s.key" % (d, name),
                "-out", "%s/%s.csr" % (d, name), "-subj", "/CN=%s" % name)
        args = ["x509", "-req", "-in", "%s/%s.csr" % (d, name), "-CA", "%s/%s.pem" % (d, ca),
                "-CAkey", "%s/%s.key" % (d, ca), "-CAcreateserial", "-out", "%s/%s.pem" % (d, name),
                "-days", "2"]
        openssl(*(args + (["-extfile", ext] if ext else [])))


def start(daemon, src, d, extra):
    api, of = free_port(), free_port()
    conf = open(os.path.join(src, "conf/vxfabric.conf")).read()
    conf = re.sub(r'(?m)^api_listen = .*$', 'api_listen = "tcp:127.0.0.1:%d";' % api, conf)
    path = os.path.join(d, "vxfabric.conf")
    with open(path, "w") as f:
        f.write(conf + "\n" + extra + "\n")
    proc = start_daemon(daemon, path, api, of, subprocess.PIPE)
    return proc, "https://127.0.0.1:%d" % api, path


def vxctl(binary, base, *args):
    p = subprocess.run([binary, "--api", base] + list(args), capture_output=True, text=True, timeout=10)
    return p.returncode, p.stdout, p.stderr


def stop(proc):
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    check("daemon exits cleanly", proc.returncode == 0, err.decode()[-500:])


def main():
    daemon, vxctl_bin, src = sys.argv[1], sys.argv[2], sys.argv[3]
    d = tempfile.mkdtemp()
    make_certs(d)
    token = os.path.join(d, "token")
    with open(token, "w") as f:
        f.write("s3cret-from-a-file\n")
    os.chmod(token, 0o600)
    tls = 'api_tls_key = "%s/server.key"; api_tls_cert = "%s/server.pem"; api_token_file = "%s";' % (d, d, token)

    proc, base, _ = start(daemon, src, d, tls)
    try:
        rc, out, err = vxctl(vxctl_bin, base, "--cacert", d + "/ca.pem", "--token-file", token, "--json", "state")
        check("vxctl --cacert --token-file over HTTPS", rc == 0 and '"dpid"' in out, out + err)
        rc, out, err = vxctl(vxctl_bin, base, "--token-file", token, "state")
        check("without --cacert the server is not trusted", rc == 1 and "certificate" in err.lower(), err)
        rc, out, err = vxctl(vxctl_bin, base, "--cacert", d + "/ca.pem", "--token", "wrong", "state")
        check("a wrong token gets 401", rc == 1 and "401" in err, err)
        rc, out, err = vxctl(vxctl_bin, base, "--cacert", d + "/ca.pem", "state")
        check("no token gets 401", rc == 1 and "401" in err, err)
        try:
            urllib.request.urlopen(base.replace("https:", "http:") + "/v1/state", timeout=3).read()
            check("plain HTTP to the HTTPS port fails", False)
        except (urllib.error.URLError, ConnectionError, OSError):
            check("plain HTTP to the HTTPS port fails", True)
        ctx = ssl.create_default_context(cafile=d + "/ca.pem")
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        try:
            ctx.set_ciphers("ALL:@SECLEVEL=0")
            urllib.request.urlopen(base + "/v1/state", context=ctx, timeout=3).read()
            check("TLS 1.1 is refused", False)
        except (urllib.error.URLError, ssl.SSLError, OSError):
            check("TLS 1.1 is refused", True)
    finally:
        stop(proc)

    # Client certificates from the configured CA are required.
    proc, base, _ = start(daemon, src, d, tls + ' api_tls_client_ca = "%s/ca.pem";' % d)
    try:
        common = ["--cacert", d + "/ca.pem", "--token-file", token]
        rc, out, err = vxctl(vxctl_bin, base, *(common + ["--cert", d + "/client.pem", "--key", d + "/client.key",
                                                          "state"]))
        check("a client certificate from the CA is accepted", rc == 0, err)
        rc, out, err = vxctl(vxctl_bin, base, *(common + ["state"]))
        check("no client certificate: refused", rc == 1, err)
        rc, out, err = vxctl(vxctl_bin, base, *(common + ["--cert", d + "/rogue.pem", "--key", d + "/rogue.key",
                                                          "state"]))
        check("a client certificate from another CA: refused", rc == 1, err)
    finally:
        stop(proc)

    # A missing token file is a clear start-up error.
    proc, _, path = start(daemon, src, d, 'api_token_file = "%s/no-such-token";' % d)
    _, err = proc.communicate(timeout=10)
    check("a missing token file stops the start", proc.returncode == 1, str(proc.returncode))
    check("with a clear message", b"api_token_file '%s/no-such-token': cannot read it: No such file or directory"
          % d.encode() in err, err.decode()[-300:])
    print("api_tls: %d passed, %d failed" % (check.passed, check.failed))
    sys.exit(1 if check.failed else 0)


if __name__ == "__main__":
    main()
