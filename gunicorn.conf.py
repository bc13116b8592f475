"""gunicorn settings: `gunicorn wsgi:app` (every value can be overridden by GUNICORN_* or the command line)."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two workers per core: requests wait mostly on the database.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "sync" if threads == 1 else "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# Load the app once in the master, so that workers fork it ready (no per-worker start-up).
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
# Behind a proxy, trust X-Forwarded-* from it (see EVENTSVC_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    # Connections opened in the master must not be shared by forked workers.
    from eventsvc.extensions import db

    app = server.app.wsgi()
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # another app (bench/hello.py) under the same settings
    with app.app_context():
        db.engine.dispose(close=False)
