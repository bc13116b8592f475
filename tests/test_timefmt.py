"""Bangkok times and Buddhist-era dates, as the seed announcements write them."""
from datetime import datetime, timezone

import pytest

from eventsvc.timefmt import format_datetime, format_day, format_short_day, format_time_range, local_to_utc

MORNING = datetime(2022, 2, 24, 2, 30, tzinfo=timezone.utc)  # 09:30 in Bangkok
NOON = datetime(2022, 2, 24, 5, 0, tzinfo=timezone.utc)


def test_thai_dates_use_the_buddhist_era_and_thai_names():
    assert format_day(MORNING, "th") == "วันพฤหัสบดีที่ 24 กุมภาพันธ์ 2565"
    assert format_short_day(MORNING, "th") == "24 ก.พ. 2565"


def test_english_dates_use_the_gregorian_year():
    assert format_day(MORNING, "en") == "Thursday, 24 February 2022"
    assert format_short_day(MORNING, "en") == "24 Feb 2022"


def test_times_are_shown_in_bangkok():
    assert format_time_range(MORNING, NOON, "th") == "09:30–12:00 น."
    assert format_time_range(MORNING, NOON, "en") == "09:30–12:00"
    assert format_datetime(MORNING, "th") == "24 ก.พ. 2565 09:30 น."


def test_late_evening_utc_is_the_next_day_in_bangkok():
    assert format_short_day(datetime(2022, 2, 24, 18, 0, tzinfo=timezone.utc), "th") == "25 ก.พ. 2565"


def test_typed_bangkok_time_is_stored_in_utc():
    assert local_to_utc(datetime(2022, 2, 24, 9, 30)) == MORNING


@pytest.mark.parametrize("value", [None])
def test_missing_times_render_empty(value):
    assert format_day(value) == "" and format_time_range(value, value) == ""
