"""LocalS3Server process handling, with stand-in executables (the real one: test_s3_photo_store)."""

import json
import os
import stat
import urllib.request

import pytest

from fieldsales.storage.local_server import (
    EXECUTABLE_OVERRIDE_ENV,
    LocalS3Server,
    LocalS3ServerError,
    locate_executable,
)


def script(path, body):
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def is_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_startup_failure_reports_exit_code_and_log_tail(tmp_path):
    failing = script(tmp_path / "ministack", 'echo "boom: cannot bind $BIND_HOST"\nexit 3\n')
    server = LocalS3Server(executable=failing)

    with pytest.raises(LocalS3ServerError, match=r"code 3(.|\n)*boom: cannot bind 127\.0\.0\.1"):
        server.start()
    assert server.pid is None


def test_startup_timeout_kills_the_process_and_reports_the_log(tmp_path):
    pid_file = tmp_path / "pid"
    hanging = script(
        tmp_path / "ministack", f'echo "still warming up"\necho $$ > {pid_file}\nexec sleep 60\n'
    )
    server = LocalS3Server(executable=hanging, startup_timeout_s=0.5)

    with pytest.raises(LocalS3ServerError, match=r"not ready(.|\n)*still warming up"):
        server.start()
    assert not is_alive(int(pid_file.read_text()))


def test_server_gets_a_clean_environment_with_its_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "leaked-from-parent")
    env_file = tmp_path / "env"
    dumping = script(tmp_path / "ministack", f"env > {env_file}\nexit 1\n")
    server = LocalS3Server(
        executable=dumping,
        data_dir=tmp_path / "data",
        access_key_id="AKIDEXAMPLE",
        secret_access_key="s3cr3t",
    )

    with pytest.raises(LocalS3ServerError):
        server.start()

    env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    assert env["AUTH"] == "true"
    assert env["SERVICES"] == "s3"
    assert env["BIND_HOST"] == "127.0.0.1"
    assert int(env["GATEWAY_PORT"]) > 0
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("AKIDEXAMPLE", "s3cr3t")
    assert env["S3_PERSIST"] == "1"
    assert env["S3_DATA_DIR"] == str((tmp_path / "data").resolve())


def test_locate_executable_honours_the_override(tmp_path):
    fake = script(tmp_path / "my-s3", "exit 0\n")

    assert locate_executable({EXECUTABLE_OVERRIDE_ENV: str(fake)}) == fake
    with pytest.raises(LocalS3ServerError, match="make install-s3"):
        locate_executable({EXECUTABLE_OVERRIDE_ENV: str(tmp_path / "missing")})


@pytest.mark.s3
def test_real_server_runs_with_auth_on_loopback_and_stops():
    with LocalS3Server() as server:
        pid = server.pid
        assert server.endpoint_url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.endpoint_url + "/_ministack/health") as response:
            health = json.load(response)
        assert health["auth"] == "enabled"
        assert health["version"] == "1.5.33"

    assert not is_alive(pid)
    with pytest.raises(LocalS3ServerError, match="not running"):
        server.endpoint_url  # noqa: B018
