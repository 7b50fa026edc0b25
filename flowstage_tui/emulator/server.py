"""The loopback server transport: the demo org over HTTP(S) for curl, jsforce and the sf CLI."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .handler import ApiHandler, Request
from .org import DemoOrg

# How long a "read timeout" fault keeps the client waiting before the socket closes: longer
# than flowstage's own 120 s read timeout, so that its timeout is what fires.
STALL_SECONDS = 150.0


class DemoServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, org: DemoOrg, host: str, port: int, scheme: str,
                 wait: Callable[[float], bool] | None = None) -> None:
        self.api = ApiHandler(org)
        self.org = org
        self.scheme = scheme
        self.stop_event = threading.Event()
        # How a request waits out its latency or stall: True means the server is stopping.
        # Tests inject a recording one instead of the clock.
        self.wait: Callable[[float], bool] = wait or self.stop_event.wait
        super().__init__((host, port), _Handler)

    @property
    def origin(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"{self.scheme}://{shown}:{port}"

    def shutdown(self) -> None:
        self.stop_event.set()
        super().shutdown()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up before its answer is written (a TUI quit while a request
        waits out the latency) is the network's ordinary business, not a server error: no
        traceback on the terminal serving the org. Anything else is still printed."""
        if isinstance(sys.exc_info()[1], ConnectionError):  # broken pipe, reset
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: DemoServer
    protocol_version = "HTTP/1.1"
    server_version = "flowstage-demo-org"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # the request log lives in the org; stderr stays quiet

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or self.server.origin.split("://", 1)[1]
        origin = f"{self.server.scheme}://{host}"
        headers = {k.lower(): v for k, v in self.headers.items()}
        resp = self.server.api.handle(Request(self.command, self.path, headers, body, origin))
        if resp.delay > 0 and self.server.wait(resp.delay):
            return
        if resp.fault in ("drop", "offline"):
            self.close_connection = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except OSError:
                pass
            return
        if resp.fault == "timeout":
            self.server.wait(STALL_SECONDS)
            self.close_connection = True
            return
        # the org's own Date header (its clock, skew and all) instead of this machine's
        self.log_request(resp.status)
        self.send_response_only(resp.status)
        self.send_header("Server", self.version_string())
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = _serve


def self_signed_certificate(directory: Path, host: str) -> tuple[Path, Path]:
    """Write a self-signed certificate and key for host (plus localhost/127.0.0.1)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "flowstage demo org")])
    alt: list[x509.GeneralName] = [x509.DNSName("localhost"),
                                   x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    try:
        alt.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        alt.append(x509.DNSName(host))
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    cert_path = directory / "demo-org-cert.pem"
    key_path = directory / "demo-org-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.touch(mode=0o600)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def make_server(org: DemoOrg, host: str = "127.0.0.1", port: int = 0, *,
                tls_cert: Path | None = None, tls_key: Path | None = None,
                wait: Callable[[float], bool] | None = None) -> DemoServer:
    server = DemoServer(org, host, port, "https" if tls_cert else "http", wait)
    if tls_cert is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(tls_cert), str(tls_key) if tls_key else None)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    return server


def serve_in_thread(server: DemoServer) -> threading.Thread:
    """Serve on a daemon thread. Its loop looks for shutdown() every 50 ms (socketserver's
    default is 500 ms, which every stop of the server waited out: half a second a test)."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="demo-org-server", daemon=True)
    thread.start()
    return thread
