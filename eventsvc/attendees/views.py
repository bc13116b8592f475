"""The published attendee list, and the organizer's numbers, filtered lists, exports and sign-in sheets."""
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

import hashlib

from .. import clock
from ..access import Permission, event_for, public_event, staff_required
from ..audit.services import REGISTRANT, record_export
from ..extensions import cache, db
from ..models_base import search_text
from ..templating import current_locale
from ..forms_common import button_action
from ..registration.personal_links import registration_by_token_or_404
from ..spreadsheets import csv_response, export_language, xlsx_response
from . import services
from .filters import list_filters

bp = Blueprint("attendees", __name__)


# ---- public ------------------------------------------------------------------------------

@bp.route("/events/<slug>/attendees")
def public_list(slug):
    event = public_event(slug)
    if not services.list_is_public(event, clock.now()):
        abort(404)
    group_by = request.args.get("group") if request.args.get("group") in services.GROUPINGS else "organization"
    search = search_text(request.args.get("q"))
    # Rendered once per version of the list: a new registration, a withdrawn consent or an
    # edit of the event makes a new key (and the old entry simply ages out).
    key = f"attendees:{services.list_version(event)}:{current_locale()}:{group_by}:{hashlib.sha256(search.encode()).hexdigest()[:16]}"
    html = cache.get(key)
    if html is None:
        groups, shown, registered = services.public_attendees(event, search, group_by)
        html = render_template("attendees/public_list.html", event=event, groups=groups, shown=shown,
                               registered=registered, group_by=group_by, search=search)
        cache.set(key, html, timeout=600)
    return html


@bp.route("/my/<token>/unlist", methods=["POST"])
def unlist_me(token):
    registration = registration_by_token_or_404(token)
    return button_action(lambda: services.stop_listing_me(registration, actor=REGISTRANT),
                         message=_("Your name is no longer in the public list of participants."),
                         next_url=url_for("registration.my_registration", token=token))


# ---- the organizer ---------------------------------------------------------------------------

@bp.route("/organizer/events/<slug>/attendance")
@staff_required
def attendance(slug):
    event = event_for(slug, Permission.view, with_sessions=True)
    return render_template("attendees/attendance.html", event=event, report=services.attendance_report(event),
                           list_public=services.list_is_public(event, clock.now()),
                           list_closes_at=services.list_closes_at(event))


@bp.route("/organizer/events/<slug>/attendees/<any(publish, unpublish):action>", methods=["POST"])
@staff_required
def publish_list(slug, action):
    event = event_for(slug)
    published = action == "publish"
    return button_action(lambda: services.set_list_published(event, published, actor=current_user),
                         message=_("The attendee list is published.") if published
                         else _("The attendee list is no longer public."),
                         next_url=url_for("attendees.attendance", slug=slug))


@bp.route("/organizer/events/<slug>/registrations.<any(csv, xlsx):kind>")
@staff_required
def export(slug, kind):
    event = event_for(slug, Permission.view, with_sessions=True)
    filters = list_filters(event)
    query = services.filtered_registrations(event, **filters)
    language = export_language()
    record_export(f"registrations_{kind}", actor=current_user, event=event, language=language,
                  filters={k: v for k, v in filters.items() if v})
    db.session.commit()
    rows = services.export_rows(event, query, language=language)
    filename = f"registrations-{event.slug}.{kind}"
    return csv_response(rows, filename) if kind == "csv" else xlsx_response(
        rows, filename, sheet="registrations", widths=services.EXPORT_WIDTHS)


@bp.route("/organizer/events/<slug>/sessions/<id:session_id>/sign-in-sheet")
@staff_required
def sign_in_sheet(slug, session_id):
    event = event_for(slug, Permission.view, with_sessions=True)
    session = next((s for s in event.sessions if s.id == session_id), None)
    if session is None:
        abort(404)
    everyone = request.args.get("everyone") == "1"
    record_export("sign_in_sheet", actor=current_user, event=event, session_id=session.id, everyone=everyone)
    db.session.commit()
    return render_template("attendees/sign_in_sheet.html", event=event, session=session, everyone=everyone,
                           onsite_only=services.sign_in_sheet_onsite_only(event, everyone),
                           people=services.sign_in_sheet(event, session, everyone))
