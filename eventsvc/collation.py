"""Names in Thai dictionary order (ไชยา under ช, เอกชัย under อ), in SQL on both databases and in Python.

PostgreSQL sorts with its ICU Thai collation when the server has one (checked
once per engine). SQLite gets a collation named "thai" on every connection,
backed by PyThaiNLP's maintained Thai collation, the same one Python code
uses through `thai_sorted`. So a query says `order_by(*thai_order(column))`
and sorts the same way on either database.
"""
import functools
import logging
import weakref

import sqlalchemy as sa
from pythainlp.util import collate

log = logging.getLogger(__name__)

SQLITE_COLLATION = "thai"
# Tried in this order: ICU's Thai (Thai dictionary order, Latin before Thai, case-insensitive at first),
# then glibc's th_TH (also Thai order) for a server built without ICU.
POSTGRESQL_COLLATIONS = ("th-TH-x-icu", "th-x-icu", "th_TH.utf8", "th_TH.UTF-8", "th_TH")


try:
    # The key collate() sorts by. Not public, so only a shortcut: sorting a list of names compares the same
    # strings again and again, and a cached key makes that about ten times faster than two collate() calls
    # per comparison. Without it (a future PyThaiNLP) the public collate() gives the same order, slower;
    # tests/test_attendees.py checks the order either way.
    from pythainlp.util.collate import _thkey
except ImportError:  # pragma: no cover
    _thkey = None


@functools.lru_cache(maxsize=65536)
def _weight(folded):
    return _thkey(folded)


def _collate_pair(folded_a, folded_b):
    # collate() is a stable sort: when the two weigh the same, both orders come back as given.
    forward, backward = collate([folded_a, folded_b]), collate([folded_b, folded_a])
    if forward[0] != backward[0]:
        return 0
    return -1 if forward[0] == folded_a else 1


def compare(a, b):
    """-1, 0 or 1: `a` before, with or after `b` in Thai dictionary order (case-insensitive first, then exact)."""
    if a == b:
        return 0
    if a is None or b is None:
        return -1 if a is None else 1
    folded_a, folded_b = a.casefold(), b.casefold()
    if folded_a != folded_b:
        if _thkey is not None:
            weight_a, weight_b = _weight(folded_a), _weight(folded_b)
            if weight_a != weight_b:
                return -1 if weight_a < weight_b else 1
        else:
            order = _collate_pair(folded_a, folded_b)
            if order:
                return order
    return -1 if a < b else 1


sort_key = functools.cmp_to_key(compare)


def thai_sorted(items, key=lambda item: item):
    """`items` sorted by `key(item)` (a string, or a tuple of strings) in Thai dictionary order."""
    def weigh(item):
        value = key(item)
        return tuple(sort_key(part or "") for part in value) if isinstance(value, tuple) else sort_key(value or "")
    return sorted(items, key=weigh)


def register_sqlite(dbapi_connection):
    """Called on every new SQLite connection: ORDER BY x COLLATE thai uses `compare`."""
    dbapi_connection.create_collation(SQLITE_COLLATION, compare)


_postgresql_collation = weakref.WeakKeyDictionary()


def _collation_for(bind):
    engine = getattr(bind, "engine", bind)
    if engine.dialect.name == "sqlite":
        return SQLITE_COLLATION
    if engine.dialect.name != "postgresql":
        return None
    if engine not in _postgresql_collation:
        try:
            with engine.connect() as connection:
                found = set(connection.scalars(sa.text("SELECT collname FROM pg_collation WHERE collname IN :names")
                                               .bindparams(sa.bindparam("names", expanding=True)),
                                               {"names": list(POSTGRESQL_COLLATIONS)}))
        except sa.exc.DBAPIError:
            return None  # not cached: asked again next time, when the database may be back
        chosen = next((name for name in POSTGRESQL_COLLATIONS if name in found), None)
        if chosen is None:
            log.warning("PostgreSQL has no Thai collation (ICU or th_TH); names sort in the database's own order")
        _postgresql_collation[engine] = chosen
    return _postgresql_collation[engine]


def thai_order(*columns):
    """ORDER BY clauses putting `columns` in Thai dictionary order on the current database."""
    from .extensions import db

    name = _collation_for(db.engine)
    return [column.collate(name) if name else column for column in columns]
