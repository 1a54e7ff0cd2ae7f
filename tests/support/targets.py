"""Real servers for monitors to check, on 127.0.0.1: well-behaved, failing and hostile.

`TargetServer` is an HTTP server (optionally HTTPS, with a certificate from `certificates`)
whose paths answer as a test scripts them: statuses, bodies, redirects, slow answers, answers
held until released. `HostileTarget` is a raw TCP server that answers badly on purpose (a slow
loris, an endless body, a body that drips, garbage). `TCPTarget` accepts connections and can be
taken down and brought back on the same port. `FrozenHTTPServer` runs in a subprocess so that a
test can SIGSTOP it. `DNSServer` answers UDP queries from a small table, built with dnspython.
"""

import contextlib
import datetime
import ipaddress
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from monitors.probes import Outcome, Target, run_all
from tests.support.receivers import Answer, HostileHTTPServer, LocalHTTPServer, Request

# Certificates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """A certificate and its key, as PEM files (what an SSLContext loads)."""

    cert_file: Path
    key_file: Path
    not_after: datetime.datetime


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _alternative_names(hosts: tuple[str, ...]) -> x509.SubjectAlternativeName:
    """The names a certificate vouches for: addresses as IP addresses, the others as DNS names."""
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _write(directory: Path, stem: str, cert: x509.Certificate, key: Any) -> Certificate:
    directory.mkdir(parents=True, exist_ok=True)
    cert_file = directory / f"{stem}.crt"
    key_file = directory / f"{stem}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_file, key_file, cert.not_valid_after_utc)


class CertificateAuthority:
    """A made-up CA (trusted by pointing MONITOR_CA_FILE at `cert_file`) that issues leaf
    certificates for 127.0.0.1 and localhost, valid, expired or about to expire."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name("Beacon test CA"))
            .issuer_name(_name("Beacon test CA"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=365))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        self.files = _write(directory, "ca", self.cert, self.key)

    @property
    def cert_file(self) -> Path:
        return self.files.cert_file

    def issue(
        self,
        stem: str,
        *,
        days_left: float = 365,
        hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
    ) -> Certificate:
        """A leaf that expires `days_left` days from now (negative: expired that long ago)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        not_after = now + datetime.timedelta(days=days_left)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(hosts[0]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(min(now, not_after) - datetime.timedelta(days=30))
            .not_valid_after(not_after)
            .add_extension(_alternative_names(hosts), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        return _write(self.directory, stem, cert, key)


def self_signed(
    directory: Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
) -> Certificate:
    """A certificate that vouches for itself, as a fresh server's default one does."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(_name(hosts[0]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(_alternative_names(hosts), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _write(directory, "self-signed", cert, key)


# HTTP(S) -----------------------------------------------------------------------------------

# What a path answers: an Answer, or a function of the request and how many times the path
# has been asked for (from 1).
Route = Answer | Callable[[Request, int], Answer]


class TargetServer(LocalHTTPServer):
    """An HTTP server, or HTTPS with `certificate`, answering each path as `routes` says
    (404 for the others). `hits` counts the requests per path; `requests` keeps them all.
    `release` lets go of the requests held by `held()` routes."""

    methods = ("GET", "POST", "HEAD")

    def __init__(self, certificate: Certificate | None = None) -> None:
        super().__init__()
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.released = threading.Event()
        # A client that hangs up mid-answer is what these servers are for: no tracebacks.
        self.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        # Room for a batch of concurrent checks (socketserver listens with a backlog of 5).
        self.server.socket.listen(256)
        self.tls = certificate is not None
        if certificate is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificate.cert_file, certificate.key_file)
            # The handshake happens in the request's thread, not in the accepting one.
            self.server.socket = context.wrap_socket(
                self.server.socket, server_side=True, do_handshake_on_connect=False
            )

    @property
    def base(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def at(self, path: str = "/") -> str:
        return f"{self.base}{path}"

    def answer(self, request: Request) -> Answer:
        path = request.path.split("?", 1)[0]
        with self.lock:
            self.hits[path] = n = self.hits.get(path, 0) + 1
        self.record_request(request)
        route = self.routes.get(path)
        if route is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        if callable(route):
            return route(request, n)
        return route

    def hit(self, path: str) -> int:
        with self.lock:
            return self.hits.get(path, 0)

    def stop(self) -> None:
        self.released.set()
        super().stop()

    # Routes.

    def held(self, answer: Answer = (200, {}, b"late")) -> Route:
        """Answers only once `released` is set (or a minute has passed)."""

        def route(request: Request, n: int) -> Answer:
            self.released.wait(60)
            return answer

        return route

    def slow(self, seconds: float, answer: Answer = (200, {}, b"ok")) -> Route:
        def route(request: Request, n: int) -> Answer:
            time.sleep(seconds)
            return answer

        return route


def text(body: str, status: int = 200, content_type: str = "text/plain") -> Answer:
    return status, {"Content-Type": content_type}, body.encode()


def redirect(location: str, status: int = 302) -> Answer:
    return status, {"Location": location}, b""


def flapping(*statuses: int) -> Route:
    """Answers the statuses in turn, over and over."""

    def route(request: Request, n: int) -> Answer:
        return statuses[(n - 1) % len(statuses)], {}, b""

    return route


def gzip_bomb(megabytes: int) -> Answer:
    """A small gzipped body that inflates to `megabytes` of zeros (made a megabyte at a time,
    so that making it does not raise the test process's peak memory)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1024 * 1024)
    body = b"".join([compressor.compress(block) for _ in range(megabytes)] + [compressor.flush()])
    return 200, {"Content-Encoding": "gzip", "Content-Type": "text/plain"}, body


class HostileTarget(HostileHTTPServer):
    """HostileHTTPServer's slow loris (`slow`) and endless body (`huge`), and:

    `drip`: headers at once, then a body of one byte every `interval` seconds, forever.
    `garbage`: a line that is not HTTP. `silent-close`: reads the request, hangs up.
    `long-header`: a header line that never ends. `endless-headers`: header lines, forever."""

    def _misbehave(self, conn: Any) -> None:
        if self.mode in {"slow", "huge", "ok"}:
            super()._misbehave(conn)
        elif self.mode == "drip":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
            while not self.stopping.is_set():
                conn.sendall(b"x")
                time.sleep(self.interval)
        elif self.mode == "garbage":
            conn.sendall(b"\x00\x01 hello, this is not HTTP\r\n\r\n")
        elif self.mode == "long-header":
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Long: ")
            block = b"a" * 4096
            while not self.stopping.is_set():
                conn.sendall(block)
        elif self.mode == "endless-headers":
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            line = b"X-More: " + b"a" * 4000 + b"\r\n"
            while not self.stopping.is_set():
                conn.sendall(line)
        # silent-close: nothing at all.


# TCP ---------------------------------------------------------------------------------------


class TCPTarget:
    """Accepts connections (and closes them) on a fixed port of 127.0.0.1; `down()` stops
    listening, `up()` listens on the same port again."""

    def __init__(self) -> None:
        self.port = 0
        self.accepted = 0
        self.listener: socket.socket | None = None
        self.thread: threading.Thread | None = None

    def up(self) -> Self:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self.listener = listener
        self.thread = threading.Thread(target=self._serve, args=(listener,), daemon=True)
        self.thread.start()
        return self

    def down(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            # shutdown wakes the accepting thread; close alone may not on Linux.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        if self.thread is not None:
            self.thread.join(10)

    def _serve(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()


# A server frozen with SIGSTOP ----------------------------------------------------------------

FROZEN_SERVER = """
import http.server, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


class FrozenHTTPServer:
    """An HTTP server in its own process (answering 200 "ok"), so that `freeze` can SIGSTOP
    it: the kernel still accepts connections, nothing answers them."""

    def start(self) -> Self:
        self.process = subprocess.Popen(
            [sys.executable, "-c", FROZEN_SERVER],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        self.thaw()
        self.process.kill()
        self.process.wait(30)


# DNS ---------------------------------------------------------------------------------------


class DNSServer:
    """A UDP DNS server on 127.0.0.1 answering from `records`: {(name, type): [rdata text]}.

    A name in the table answers NOERROR (with no records for a type it lacks); any other name
    NXDOMAIN. `mode`: "answer", "silent" (drops every query), "servfail"."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self.mode = "answer"
        self.queries = 0
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return self.socket.getsockname()[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.socket.close()

    def add(self, name: str, record_type: str, *values: str) -> None:
        self.records[(name.rstrip(".").lower(), record_type)] = list(values)

    def _serve(self) -> None:
        while True:
            try:
                wire, client = self.socket.recvfrom(4096)
            except OSError:
                return
            self.queries += 1
            try:
                reply = self._reply(dns.message.from_wire(wire))
            except Exception:  # a malformed query gets nothing, as from many servers
                continue
            if reply is not None:
                try:
                    self.socket.sendto(reply.to_wire(), client)
                except OSError:
                    return

    def _reply(self, query: dns.message.Message) -> dns.message.Message | None:
        if self.mode == "silent":
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if self.mode == "servfail":
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        record_type = dns.rdatatype.to_text(question.rdtype)
        if not any(known == name for known, _ in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response
        values = self.records.get((name, record_type))
        if values:
            response.answer.append(
                dns.rrset.from_text_list(question.name, 60, "IN", record_type, values)
            )
        return response


# Running checks ------------------------------------------------------------------------------


def http_target(url: str, timeout: float = 10, **fields: Any) -> Target:
    return Target(monitor_id=1, kind="http", target=url, timeout=timeout, **fields)


def tcp_target(host: str, port: int | None, timeout: float = 10, **fields: Any) -> Target:
    return Target(monitor_id=1, kind="tcp", target=host, port=port, timeout=timeout, **fields)


def dns_target(name: str, timeout: float = 10, **fields: Any) -> Target:
    return Target(monitor_id=1, kind="dns", target=name, timeout=timeout, **fields)


def check_all(targets: list[Target], bound: float = 120) -> list[Outcome]:
    """run_all in a thread, so that a check that hangs fails the test (after a generous
    `bound`) instead of stalling the suite."""
    outcomes: list[Outcome] = []
    thread = threading.Thread(target=lambda: outcomes.extend(run_all(targets)), daemon=True)
    thread.start()
    thread.join(bound)
    assert not thread.is_alive(), f"the checks were still running after {bound} s"
    return outcomes


def check(target: Target) -> Outcome:
    [outcome] = check_all([target])
    return outcome
