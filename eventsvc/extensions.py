"""The Flask extensions, created here and bound to the app in create_app()."""
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

from .api.spec import EventsvcApi
from .collation import register_sqlite

# Deterministic constraint names, so that migrations can name what they alter.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# expire_on_commit=False: the view commits once and then renders what it
# already holds; reloading every row after the commit would be wasted queries.
db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING), session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = EventsvcApi()  # flask-smorest, with our error shape
# Pages whose content changes rarely (the published attendee list); in memory, or Redis when configured.
cache = Cache()


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    """WAL, a busy timeout and foreign keys for SQLite; we issue BEGIN ourselves."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    # pysqlite's own transaction handling would defer BEGIN in ways that break
    # BEGIN IMMEDIATE; take it over (the SQLAlchemy documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # Names sort in Thai dictionary order in SQL too (ORDER BY ... COLLATE thai).
    register_sqlite(dbapi_connection)


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection):
    """On SQLite, a request that may write takes the write lock when it begins.

    A deferred transaction that reads and then writes cannot wait for a
    concurrent writer (SQLite answers "database is locked" at once), so every
    request other than GET/HEAD begins IMMEDIATE and queues on busy_timeout.
    """
    if connection.dialect.name != "sqlite":
        return
    immediate = _write_intent.get() or (has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"))
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")



_write_intent = ContextVar("write_intent", default=False)


@contextmanager
def write_transactions():
    """Outside a request (a worker, a CLI command): transactions begun inside take SQLite's write lock at once.

    Use it around work that reads and then writes while other processes may
    write too; PostgreSQL is unaffected.
    """
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)
