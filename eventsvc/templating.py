"""Jinja filters and globals: Bangkok times, Buddhist-era dates, labels, descriptions, the language switch."""
from urllib.parse import urlencode

from babel.numbers import format_decimal
from flask import request
from flask_babel import get_locale

from . import clock, labels, richtext, timefmt
from .events.venue import venue_line
from .site import views as site


def current_locale():
    return str(get_locale() or "th")


def url_with_lang(lang):
    args = request.args.to_dict()
    args["lang"] = lang
    return f"{request.path}?{urlencode(args)}"


def init_app(app):
    env = app.jinja_env
    env.filters["day"] = lambda v, weekday=True: timefmt.format_day(v, current_locale(), weekday)
    env.filters["short_day"] = lambda v: timefmt.format_short_day(v, current_locale())
    env.filters["clock"] = lambda v: timefmt.format_clock(v, current_locale())
    # A time that carries its date unless it is today (tickets and the door).
    env.filters["moment"] = lambda v: timefmt.format_moment(v, current_locale(), clock.now())
    env.filters["when"] = lambda v: timefmt.format_datetime(v, current_locale())
    env.filters["local_input"] = lambda v: timefmt.to_local(v).strftime("%Y-%m-%dT%H:%M") if v else ""
    # An organizer's description: Markdown (paragraphs, lists, links) as sanitized HTML.
    env.filters["markdown"] = richtext.render_markdown
    # Counts with thousands separators (1,234), as the locale writes them.
    env.filters["number"] = lambda v: format_decimal(v, locale=current_locale()) if v is not None else ""
    env.globals["time_range"] = lambda a, b: timefmt.format_time_range(a, b, current_locale())
    env.globals["label"] = labels.label
    env.globals["venue_line"] = venue_line
    env.globals["current_locale"] = current_locale
    env.globals["url_with_lang"] = url_with_lang
    from .resubmit import MESSAGE

    env.globals["resubmit_message"] = MESSAGE
    env.globals["agency_name"] = lambda locale=None: site.agency_name(locale or current_locale())
    env.globals["footer_links"] = site.footer_links
