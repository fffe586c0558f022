"""Run MiniStack as the embedded S3-compatible server (dev server and tests).

MiniStack is the one loopback server that enforces presigned PUT/POST signatures, signed
headers, expiry and checksums (see shared/s3-local-servers.md), so the upload flow is tested
against what a real S3 refuses. It lives in its own virtualenv (`make install-s3`) because it
pins a botocore that clashes with ours; we only ever talk to it over HTTP.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_EXECUTABLE = REPO_ROOT / ".venv-s3" / "bin" / "ministack"
EXECUTABLE_OVERRIDE_ENV = "FIELDSALES_S3_SERVER_BIN"
REGION = "us-east-1"

_READY_PATH = "/_ministack/ready"
_POLL_INTERVAL_S = 0.05
_STOP_GRACE_S = 10.0
_LOG_TAIL_BYTES = 4000
# Picking a free port and binding it are two steps; another process may win the race.
_PORT_ATTEMPTS = 3


class LocalS3ServerError(RuntimeError):
    """The local S3 server could not be found, started, or did not become ready."""


def locate_executable(environ: Mapping[str, str] | None = None) -> Path:
    """The MiniStack launcher: `$FIELDSALES_S3_SERVER_BIN`, else `<repo>/.venv-s3/bin/ministack`."""
    env = os.environ if environ is None else environ
    override = env.get(EXECUTABLE_OVERRIDE_ENV)
    path = Path(override) if override else DEFAULT_EXECUTABLE
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise LocalS3ServerError(
            f"S3 server executable not found at {path}: run `make install-s3` "
            f"or set {EXECUTABLE_OVERRIDE_ENV}"
        )
    return path


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalS3Server:
    """A MiniStack subprocess serving S3 on 127.0.0.1, with AUTH on and its own root keys.

    Without `data_dir` everything lives in memory; with it, objects and their Content-Type
    survive restarts (bucket CORS does not: `S3PhotoStore.ensure_bucket` re-applies it).
    """

    def __init__(
        self,
        *,
        data_dir: Path | None = None,
        executable: Path | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        log_path: Path | None = None,
        startup_timeout_s: float = 20.0,
    ) -> None:
        self.data_dir = data_dir
        self.executable = executable
        # Random root keys by default: presigned URLs are then verified against a secret
        # only this process and its clients know. MiniStack always accepts the key `test`.
        self.access_key_id = access_key_id or f"FSLOCAL{secrets.token_hex(8).upper()}"
        self.secret_access_key = secret_access_key or secrets.token_urlsafe(30)
        self.log_path = log_path
        self.startup_timeout_s = startup_timeout_s
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        if self.port is None:
            raise LocalS3ServerError("the local S3 server is not running")
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def app_config(self) -> dict[str, Any]:
        """The app config keys that point the photo store at this server."""
        return {
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": self.access_key_id,
            "S3_SECRET_ACCESS_KEY": self.secret_access_key,
            "S3_ADDRESSING_STYLE": "path",  # bucket subdomains of 127.0.0.1 do not resolve
        }

    def start(self) -> LocalS3Server:
        if self._process is not None:
            raise LocalS3ServerError(f"already running (pid {self._process.pid})")
        executable = self.executable or locate_executable()
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        attempt = 1
        while True:
            self._launch(executable, free_loopback_port())
            try:
                self._wait_until_ready()
                return self
            except LocalS3ServerError:
                port_taken = b"already in use" in self._log_tail()
                self.stop()
                if not port_taken or attempt == _PORT_ATTEMPTS:
                    raise
            except BaseException:  # e.g. Ctrl-C while waiting: never leave the child behind
                self.stop()
                raise
            attempt += 1

    def stop(self) -> None:
        """SIGTERM by PID, up to 10 s to exit (MiniStack sometimes needs > 2 s), then SIGKILL."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=_STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        self.port = None

    def __enter__(self) -> LocalS3Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _launch(self, executable: Path, port: int) -> None:
        # An anonymous temp file unless a path is given: it still serves the error's log tail.
        self._log = self.log_path.open("ab") if self.log_path else tempfile.TemporaryFile()
        self.port = port
        self._process = subprocess.Popen(
            [str(executable)],
            env=self._environment(port),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def _environment(self, port: int) -> dict[str, str]:
        # A clean environment: inherited AWS_*/LOCALSTACK_*/PERSIST* variables would change
        # how MiniStack behaves. PATH/HOME/TMPDIR only; TMPDIR is where it writes a PID file.
        env = {name: os.environ[name] for name in ("PATH", "HOME", "TMPDIR") if name in os.environ}
        env.update(
            AUTH="true",
            SERVICES="s3",
            BIND_HOST="127.0.0.1",  # MiniStack's default is 0.0.0.0
            GATEWAY_PORT=str(port),
            AWS_ACCESS_KEY_ID=self.access_key_id,
            AWS_SECRET_ACCESS_KEY=self.secret_access_key,
            AWS_DEFAULT_REGION=REGION,
        )
        if self.data_dir is not None:
            env.update(S3_PERSIST="1", S3_DATA_DIR=str(self.data_dir.resolve()))
        return env

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout_s
        url = self.endpoint_url + _READY_PATH
        while True:
            if self._process.poll() is not None:
                raise LocalS3ServerError(
                    f"S3 server exited with code {self._process.returncode} during startup; "
                    f"log tail:\n{self._log_tail().decode(errors='replace')}"
                )
            if _answers_ready(url):
                return
            if time.monotonic() > deadline:
                raise LocalS3ServerError(
                    f"S3 server not ready on {self.endpoint_url} after {self.startup_timeout_s}s; "
                    f"log tail:\n{self._log_tail().decode(errors='replace')}"
                )
            time.sleep(_POLL_INTERVAL_S)

    def _log_tail(self) -> bytes:
        if self._log is None:
            return b""
        fd = self._log.fileno()
        size = os.fstat(fd).st_size
        start = max(0, size - _LOG_TAIL_BYTES)
        # pread leaves the shared file offset alone, so the child's writes are not disturbed.
        return os.pread(fd, size - start, start)


def _answers_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False
