"""The event's dashboard page: charts drawn on the server, each beside the table of its numbers."""
from datetime import datetime, time

from babel.numbers import format_decimal
from flask import Blueprint, render_template
from flask_babel import gettext as _

from ..access import Permission, event_for, staff_required
from ..labels import label
from ..templating import current_locale
from ..timefmt import BANGKOK, format_short_day
from . import services
from .charts import Point, Row, bar_chart, column_chart, line_chart

bp = Blueprint("dashboard", __name__)


def calendar_day(day, locale=None):
    """A Bangkok calendar day as the site writes it: '2 ธ.ค. 2569' (Buddhist era) or '2 Dec 2026'."""
    return format_short_day(datetime.combine(day, time(12), BANGKOK), locale or current_locale())


@bp.app_template_filter("calendar_day")
def _calendar_day_filter(day):
    return calendar_day(day)


def _charts(numbers, locale):
    """The page's charts, their words in the page's language; each described by its table's caption."""
    def number(value):
        return format_decimal(value, locale=locale)

    def days(rows, attribute):
        return [Point(calendar_day(row.day, locale), getattr(row, attribute)) for row in rows]

    charts = {}
    if numbers.registrations_by_day:
        charts["registrations_new"] = column_chart(
            "chart-registrations-new", _("New registrations per day"),
            days(numbers.registrations_by_day, "new"), number, described_by="caption-registrations")
        charts["registrations_total"] = line_chart(
            "chart-registrations-total", _("Registrations in all, at the end of each day"),
            days(numbers.registrations_by_day, "total"), number, described_by="caption-registrations")
    if numbers.traffic_by_day:
        charts["page_views"] = column_chart(
            "chart-page-views", _("Page views per day"), days(numbers.traffic_by_day, "page_views"), number,
            described_by="caption-traffic")
        charts["downloads"] = column_chart(
            "chart-downloads", _("Document downloads per day"), days(numbers.traffic_by_day, "downloads"), number,
            described_by="caption-traffic")
    charts["sectors"] = bar_chart(
        "chart-sectors", _("Confirmed registrations by sector"),
        [Row(label("sector", key), n, text=number(n)) for key, n in numbers.by_sector], described_by="caption-sectors")
    charts["attendance"] = bar_chart(
        "chart-attendance", _("Confirmed registrations on site and online"),
        [Row(label("attendance", key), n, text=number(n)) for key, n in numbers.by_attendance],
        described_by="caption-attendance")
    if numbers.sessions:
        charts["seats"] = bar_chart(
            "chart-seats", _("Seats taken per session"),
            [Row(s.name(locale), s.seats_taken, s.capacity,
                 f"{number(s.seats_taken)} / {number(s.capacity)}" if s.capacity is not None else number(s.seats_taken))
             for s in numbers.sessions], described_by="caption-seats")
        charts["take_up"] = bar_chart(
            "chart-take-up", _("Took part against registered, per session"),
            [Row(s.name(locale), s.took_part, s.registered,
                 f"{s.take_up}% ({number(s.took_part)} / {number(s.registered)})" if s.take_up is not None else "–")
             for s in numbers.sessions], described_by="caption-take-up")
    return charts


@bp.route("/organizer/events/<slug>/dashboard")
@staff_required
def event_dashboard(slug):
    event = event_for(slug, Permission.view, with_sessions=True, with_attachments=True)
    numbers = services.event_dashboard(event)
    return render_template("dashboard/event.html", event=event, numbers=numbers,
                           charts=_charts(numbers, current_locale()))
