"""Starting the real entry points in a subprocess: a wrong setting is one clear line (no traceback)
for `flask` commands, `import wsgi` and gunicorn; gunicorn prints the /setup code while no admin
exists and answers /healthz with a request id."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(args, tmp_path, **env):
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WIKI_INSTANCE_PATH")}
    environ.update({"WIKI_INSTANCE_PATH": str(tmp_path / "instance"), **env})
    return subprocess.run(args, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)


def one_clear_line(result, *words):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Gare centrale cannot start:")
    for word in words:
        assert word in lines[0]


FLASK = [str(BIN / "flask"), "--app", "wsgi"]
IMPORT = [sys.executable, "-c", "import wsgi"]


@pytest.mark.parametrize("command", [FLASK + ["db", "upgrade"], FLASK + ["user", "create", "X"], IMPORT])
def test_an_instance_folder_that_cannot_be_written(tmp_path, command):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    one_clear_line(run(command, tmp_path, WIKI_INSTANCE_PATH=str(blocker / "instance")),
                   "instance folder", "WIKI_INSTANCE_PATH")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_instance_folder(tmp_path):
    folder = tmp_path / "instance"
    folder.mkdir()
    folder.chmod(0o500)
    one_clear_line(run(IMPORT, tmp_path, WIKI_INSTANCE_PATH=str(folder)), "not writable")


@pytest.mark.parametrize("url, words", [
    ("nonsense", ["DATABASE_URL"]),
    ("postgresql://wiki:secret@127.0.0.1:1/wiki", ["Cannot reach the database", "127.0.0.1:1"]),
    ("sqlite:////no/such/folder/wiki.db", ["Cannot reach the database"]),
])
@pytest.mark.parametrize("command", [FLASK + ["db", "upgrade"], IMPORT])
def test_a_wrong_or_unreachable_database_url(tmp_path, command, url, words):
    result = run(command, tmp_path, DATABASE_URL=url)
    one_clear_line(result, *words)
    assert "secret" not in result.stderr  # the password is not printed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_stops_with_one_line_on_an_unreachable_database(tmp_path):
    result = run([str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "wsgi:app"], tmp_path,
                 DATABASE_URL="postgresql://wiki@127.0.0.1:1/wiki", PORT=str(free_port()), WEB_CONCURRENCY="2")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "Gare centrale cannot start: Cannot reach the database" in result.stderr


def test_gunicorn_prints_the_setup_code_and_answers_healthz(tmp_path):
    assert run(FLASK + ["db", "upgrade"], tmp_path).returncode == 0
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ.update(WIKI_INSTANCE_PATH=str(tmp_path / "instance"), PORT=str(port), WEB_CONCURRENCY="2")
    server = subprocess.Popen([str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                              env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, answer = time.monotonic() + 30, None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            except OSError:
                time.sleep(0.2)
        assert answer is not None and answer.status == 200
        assert re.fullmatch(r"[0-9a-f]{16}", answer.headers["X-Request-Id"])
        code = (tmp_path / "instance" / "setup-code").read_text().strip()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    banners = [line for line in output.splitlines() if "one-time code" in line]
    assert len(banners) == 1 and code in banners[0] and f"127.0.0.1:{port}/setup" in banners[0]
    assert f"rid={answer.headers['X-Request-Id']}" in output  # the access log line carries it
