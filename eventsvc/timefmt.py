"""Times shown in Asia/Bangkok; dates in Thai use the Buddhist era (2566 = 2023)."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names, get_month_names

BANGKOK = ZoneInfo("Asia/Bangkok")
BUDDHIST_ERA_OFFSET = 543


def to_local(value):
    return value.astimezone(BANGKOK) if value is not None else None


def local_to_utc(value):
    """A naive datetime typed in Bangkok time, as an aware UTC datetime."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=BANGKOK)
    return value.astimezone(timezone.utc)


def format_day(value, locale="th", weekday=True):
    """'วันพฤหัสบดีที่ 24 กุมภาพันธ์ 2565' in Thai, 'Thursday, 24 February 2022' in English."""
    if value is None:
        return ""
    local = to_local(value)
    if locale == "th":
        month = get_month_names("wide", locale="th")[local.month]
        text = f"{local.day} {month} {local.year + BUDDHIST_ERA_OFFSET}"
        if weekday:
            day = get_day_names("wide", locale="th")[local.weekday()]
            text = f"{day}ที่ {text}"
        return text
    return format_date(local, "EEEE, d MMMM y" if weekday else "d MMMM y", locale="en")


def format_short_day(value, locale="th"):
    """'24 ก.พ. 2565' / '24 Feb 2022'."""
    if value is None:
        return ""
    local = to_local(value)
    if locale == "th":
        month = get_month_names("abbreviated", locale="th")[local.month]
        return f"{local.day} {month} {local.year + BUDDHIST_ERA_OFFSET}"
    return format_date(local, "d MMM y", locale="en")


def format_clock(value, locale="th"):
    """'09:30' in both languages (24-hour); Thai adds 'น.' after a range, see format_time_range."""
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M")


def format_time_range(start, end, locale="th"):
    if start is None or end is None:
        return ""
    text = f"{format_clock(start, locale)}–{format_clock(end, locale)}"
    return f"{text} น." if locale == "th" else text


def format_datetime(value, locale="th"):
    if value is None:
        return ""
    suffix = " น." if locale == "th" else ""
    return f"{format_short_day(value, locale)} {format_clock(value, locale)}{suffix}"


def format_moment(value, locale="th", now=None):
    """'10:31' when `value` is today in Bangkok, else '1 ธ.ค. 2569 10:31': a time without its day misleads."""
    if value is None:
        return ""
    now = now or now_utc()
    if to_local(value).date() == to_local(now).date():
        return format_clock(value, locale)
    return f"{format_short_day(value, locale)} {format_clock(value, locale)}"


def now_utc():
    return datetime.now(timezone.utc)


def iso(value):
    """A stored time as ISO 8601 (UTC, with its offset), or None: how a person's data download writes times."""
    return value.isoformat() if value else None
