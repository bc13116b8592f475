"""Column helpers shared by the capability models."""
import enum
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


def utcnow():
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes stored in UTC on every backend.

    SQLite has no time zone type, so values come back naive; this puts UTC
    back on them so that Python always compares aware datetimes.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; store aware datetimes only")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def enum_column(enum_cls, **kwargs):
    """A VARCHAR with a CHECK constraint holding the enum's values (the same spelling as the API)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda cls: [m.value for m in cls],
        name=kwargs.pop("name", enum_cls.__name__.lower()),
    )


class StrEnum(str, enum.Enum):
    def __str__(self):
        return self.value


def search_text(text, limit=100):
    """What a person typed in a search box: spaces collapsed, at most `limit` characters."""
    return " ".join((text or "").split())[:limit]


def contains_any(columns, text):
    """A WHERE clause: one of `columns` contains `text`, case-insensitively, with % and _ taken literally."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(*(column.ilike(pattern, escape="\\") for column in columns))
