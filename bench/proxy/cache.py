"""nginx with Beacon's shipped cache configuration (deploy/nginx/beacon.conf), run locally.

The shipped file is used as it is, but for the lines it asks to adapt: the cache directory,
the files' directory (Beacon's PUBLIC_FILES_DIR/hosts), Beacon's address and the listen line,
which become a temporary directory, Beacon's own files and local ports. Shared by
bench/proxy/run.py and tests/ops/test_proxy_config.py.
"""

import os
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

from bench.read.stack import free_port, start_nginx

SHIPPED = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "beacon.conf"
# The lines of the shipped file that name this machine's paths and ports.
CACHE_DIR = "/var/cache/nginx/beacon"
UPSTREAM = "server 127.0.0.1:8000 "
LISTEN = "listen 80;"
FILES_ROOT = "root /var/lib/beacon/public/hosts;"


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, Message]:
    """Status, body and headers (looked up case-insensitively), an HTTP error's included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )


def adapted(
    directory: Path,
    *,
    listen_port: int,
    upstream_port: int,
    conf: Path = SHIPPED,
    files: Path | None = None,
) -> str:
    """The shipped configuration (or `conf`) with this machine's cache directory and ports, and
    Beacon's PUBLIC_FILES_DIR (`files`; a file from before there were files has no such line)."""
    text = conf.read_text()
    for line in (CACHE_DIR, UPSTREAM, LISTEN):
        if text.count(line) != 1:
            raise ValueError(f"{conf} no longer has exactly one “{line}”")
    if text.count(FILES_ROOT) > 1 or (conf == SHIPPED and FILES_ROOT not in text):
        raise ValueError(f"{conf} no longer has exactly one “{FILES_ROOT}”")
    hosts = (files if files is not None else directory / "no-files") / "hosts"
    return (
        text.replace(FILES_ROOT, f"root {hosts};")
        .replace(CACHE_DIR, str(directory / "cache"))
        .replace(UPSTREAM, f"server 127.0.0.1:{upstream_port} ")
        .replace(LISTEN, f"listen 127.0.0.1:{listen_port};")
    )


def main_conf(directory: Path, included: Path, *, workers: int = 2, log: bool = False) -> str:
    """An nginx.conf that runs in the foreground as this user, everything under `directory`;
    with `log`, access.log there says what the cache did and what Beacon answered, background
    revalidations included."""
    access = (
        "log_format beacon '$request_uri $status $upstream_cache_status $upstream_status';"
        f" access_log {directory}/access.log beacon; log_subrequest on;"
        if log
        else "access_log off;"
    )
    # As root, nginx's workers would run as nobody and could not write the temporary directory.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes {workers};
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
  {access}
  client_body_temp_path {directory}/client_body;
  proxy_temp_path {directory}/proxy;
  fastcgi_temp_path {directory}/fastcgi;
  uwsgi_temp_path {directory}/uwsgi;
  scgi_temp_path {directory}/scgi;
  include {included};
}}
"""


class CachingProxy:
    """nginx with the shipped configuration (or `conf`), in front of Beacon at upstream_port."""

    def __init__(
        self,
        upstream_port: int,
        *,
        workers: int = 2,
        log: bool = False,
        conf: Path = SHIPPED,
        files: Path | None = None,
    ) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
        self.dir = Path(tempfile.mkdtemp(prefix="beacon-proxy-"))
        self.port = free_port()
        (self.dir / "cache").mkdir()
        included = self.dir / "beacon.conf"
        included.write_text(
            adapted(
                self.dir,
                listen_port=self.port,
                upstream_port=upstream_port,
                conf=conf,
                files=files,
            )
        )
        self.conf = self.dir / "nginx.conf"
        self.conf.write_text(main_conf(self.dir, included, workers=workers, log=log))
        self.command = [binary, "-c", str(self.conf), "-p", str(self.dir)]

    def test(self) -> subprocess.CompletedProcess[str]:
        """`nginx -t` on the configuration."""
        return subprocess.run([*self.command, "-t"], capture_output=True, text=True)

    def start(self) -> "CachingProxy":
        self.process = start_nginx(self.command, self.port, self.dir / "error.log")
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def access_log(self) -> list[list[str]]:
        """With `log`: each request's URI, status, cache status and Beacon's status."""
        path = self.dir / "access.log"
        return [line.split() for line in path.read_text().splitlines()] if path.exists() else []

    def close(self) -> None:
        process = getattr(self, "process", None)
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


# The headers nginx makes for a static file itself, and the cache's own X-Cache.
STATIC_MAKES = {
    "content-type",
    "content-length",
    "etag",
    "last-modified",
    "date",
    "server",
    "connection",
    "accept-ranges",
    "x-cache",
}
# Settings of the shipped file that are not the cache's: how nginx opens and sends files.
FILE_SETTINGS = re.compile(r"^\s*((?:sendfile|tcp_nopush|open_file_cache\w*)\s[^;]*;)", re.M)


def file_settings(conf: Path = SHIPPED) -> list[str]:
    """The lines of `conf` that set how nginx opens and sends files, which a static server
    gets too: the comparison is then of the cache and not of those settings."""
    return FILE_SETTINGS.findall(conf.read_text())


class StaticFiles:
    """nginx serving fixed bytes at given paths, as static files (ETags and 304s its own),
    with the other headers given for each (a document's headers as Beacon sent them, but for
    those nginx makes itself) and the shipped file's settings for opening and sending files."""

    def __init__(
        self,
        files: dict[str, tuple[bytes, Message]],
        *,
        workers: int = 2,
        settings: list[str] | None = None,
    ) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
        self.dir = Path(tempfile.mkdtemp(prefix="beacon-static-"))
        self.dir.chmod(0o755)
        self.port = free_port()
        www = self.dir / "www"
        locations = []
        for n, (path, (body, headers)) in enumerate(sorted(files.items())):
            name = f"file{n}"
            www.mkdir(mode=0o755, exist_ok=True)
            (www / name).write_bytes(body)
            (www / name).chmod(0o644)
            added = []
            for key, value in headers.items():
                if key.lower() in STATIC_MAKES:
                    continue
                if '"' in value or "$" in value:
                    raise ValueError(f"cannot repeat {key}: {value}")
                added.append(f'add_header {key} "{value}";')
            locations.append(
                f'location = {path} {{ default_type "{headers["Content-Type"]}"; '
                f"try_files /{name} =404; {' '.join(added)} }}"
            )
        server = (
            f"server {{ listen 127.0.0.1:{self.port}; root {www}; "
            + " ".join(file_settings() if settings is None else settings)
            + " "
            + " ".join(locations)
            + " }"
        )
        included = self.dir / "static.conf"
        included.write_text(server + "\n")
        conf = self.dir / "nginx.conf"
        conf.write_text(main_conf(self.dir, included, workers=workers))
        self.process = start_nginx(
            [binary, "-c", str(conf), "-p", str(self.dir)], self.port, self.dir / "error.log"
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
