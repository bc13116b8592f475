"""Run the real service under gunicorn on a free loopback port, on a database prepared by the real migrations."""
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
# The interpreter running the tests is the virtualenv's; the subprocesses use it too,
# so that flask and gunicorn come from the same environment as the test code.
PYTHON = sys.executable
ORGANIZER_EMAIL = "loadtest-organizer@example.org"
ORGANIZER_PASSWORD = "loadtest-password-123"
SECRET_KEY = "server-test-secret-key-not-for-production"


class ServerError(RuntimeError):
    """A subprocess (flask CLI or gunicorn) failed; the message carries its output."""


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_environ():
    """The caller's environment without EVENTSVC_* and GUNICORN_*, so that only what we set applies."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("EVENTSVC_", "GUNICORN_"))}


def service_env(database_url, **extra):
    """Environment for the flask CLI and gunicorn: this database, a fixed key, no rate limits."""
    env = base_environ()
    env.update({
        "EVENTSVC_DATABASE_URL": database_url,
        # A key from the environment, so that nothing is generated into the repo's instance/.
        "EVENTSVC_SECRET_KEY": SECRET_KEY,
        "EVENTSVC_RATELIMIT_ENABLED": "0",
        "PYTHONUNBUFFERED": "1",
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _run(args, env, stdin=None, timeout=120):
    result = subprocess.run(
        args, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=timeout,
    )
    if result.returncode != 0:
        raise ServerError(f"{' '.join(map(str, args))} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def flask_cli(env, *args, stdin=None):
    return _run([PYTHON, "-m", "flask", "--app", "wsgi", *args], env, stdin=stdin)


# ---- databases ------------------------------------------------------------------

def reset_postgres_schema(url):
    """An empty public schema (the migrations then build everything)."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


@contextmanager
def scratch_postgres_database(base_url, prefix="evs_conc"):
    """A new, empty PostgreSQL database next to the one `base_url` names; dropped afterwards.

    Other test runs reset the public schema of the shared test database at any
    moment, so a long test against a server gets a database of its own.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield sa.engine.make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            # FORCE: a worker that was killed may have left a connection behind.
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def prepare_database(database_url, email=ORGANIZER_EMAIL, password=ORGANIZER_PASSWORD):
    """Migrate `database_url` from scratch, create an organizer and return a new API token for them."""
    if database_url.startswith("postgresql"):
        reset_postgres_schema(database_url)
    env = service_env(database_url)
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "user", "create", email, "--role", "organizer", stdin=f"{password}\n{password}\n")
    output = flask_cli(env, "user", "token", email)
    return output.strip().splitlines()[-1].strip()


# ---- gunicorn -------------------------------------------------------------------

def _stop(process, timeout=30):
    """SIGTERM (gunicorn's graceful stop), then SIGKILL if it hangs (orphaned workers exit by themselves)."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _log_tail(path, lines=60):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


@contextmanager
def gunicorn(app, env, log_dir, workers=4, ready_path="/", start_timeout=60, extra_args=()):
    """Run `gunicorn -c gunicorn.conf.py <app>` on a free 127.0.0.1 port; yields its base URL.

    `env` is the full environment; GUNICORN_BIND/WORKERS/ACCESSLOG are set here.
    The server's own output goes to <log_dir>/gunicorn-<port>.log, shown when it fails to start.
    """
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = log_dir / f"gunicorn-{port}.log"
        run_env = dict(env)
        run_env.update({
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_ACCESSLOG": run_env.get("GUNICORN_ACCESSLOG", "/dev/null"),
            # Absolute links (manage_url, QR codes) point at this very server.
            "EVENTSVC_BASE_URL": base_url,
        })
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", *extra_args, app],
                # Same process group as the caller: a Ctrl-C of the tests stops gunicorn too.
                cwd=ROOT, env=run_env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        try:
            if _wait_until_ready(process, base_url + ready_path, start_timeout):
                yield base_url
                return
            # Exited before answering: most likely the port was taken in between; try another.
            if "in use" not in _log_tail(log_path) or attempt == 2:
                raise ServerError(f"gunicorn {app} did not start (exit {process.returncode}):\n{_log_tail(log_path)}")
        finally:
            _stop(process)


def _wait_until_ready(process, url, timeout):
    """True once `url` answers (any status below 500); False if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise ServerError(f"no answer from {url} within {timeout} s")


@contextmanager
def eventsvc_server(database_url, instance_path, workers=4, **extra_env):
    """eventsvc under gunicorn on a freshly migrated `database_url`; yields (base_url, organizer token).

    `instance_path` (e.g. pytest's tmp_path) receives the server's log. The
    database must be this test's own (a SQLite file under tmp_path, or a
    scratch PostgreSQL database): its schema is rebuilt from nothing.
    """
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    token = prepare_database(database_url)
    # The server's own files (QR cache, .eml) go to the test's folder, not the repository's instance/.
    extra_env.setdefault("EVENTSVC_INSTANCE_PATH", str(Path(instance_path) / "instance"))
    env = service_env(database_url, **extra_env)
    with gunicorn("wsgi:app", env, instance_path, workers=workers, ready_path="/api/v1/events") as base_url:
        yield base_url, token
