#!/usr/bin/python3
"""A test SMTP server that keeps what it receives: STARTTLS (a key and certificate made at start) and AUTH PLAIN/LOGIN,
required and offered only after STARTTLS. Each message is written to DIR/messages/NNNNNN.eml, with the envelope's
recipients in an X-Sink-Rcpt-To header on top. Run with Debian's python3 (python3-aiosmtpd):

    /usr/bin/python3 smtp_sink.py --dir DIR --port PORT --user USER --password PASSWORD

DIR/cert.pem is the certificate to trust (CN and SAN localhost, 127.0.0.1); DIR/ready appears once it listens.
"""
import argparse
import asyncio
import itertools
import os
import signal
import ssl
import subprocess
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def make_certificate(directory):
    key, cert = os.path.join(directory, "key.pem"), os.path.join(directory, "cert.pem")
    if not os.path.exists(cert):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "30", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


class Sink:
    def __init__(self, directory):
        self.directory = os.path.join(directory, "messages")
        os.makedirs(self.directory, exist_ok=True)
        existing = [int(n.split(".")[0]) for n in os.listdir(self.directory) if n.endswith(".eml")]
        self.counter = itertools.count(max(existing, default=0) + 1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            number = next(self.counter)
        header = ("X-Sink-Rcpt-To: " + ", ".join(envelope.rcpt_tos) + "\r\n").encode("ascii")
        path = os.path.join(self.directory, "%06d.eml" % number)
        with open(path + ".tmp", "wb") as f:
            f.write(header + envelope.original_content)
        os.replace(path + ".tmp", path)  # readers never see half a message
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    user, password = args.user.encode(), args.password.encode()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == user and auth_data.password == password
        return AuthResult(success=ok, handled=False)

    controller = Controller(Sink(args.dir), hostname="127.0.0.1", port=args.port,
                            tls_context=make_certificate(args.dir), require_starttls=True,
                            auth_required=True, auth_require_tls=True, authenticator=authenticator)
    controller.start()
    with open(os.path.join(args.dir, "ready"), "w") as f:
        f.write(str(os.getpid()))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
