"""The event's audit trail for its owner and organizers: who did what, filtered, paged, as CSV."""
from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ..access import Permission, event_for, staff_required
from ..errors import ValidationFailed
from ..extensions import db
from ..spreadsheets import csv_response, export_language
from . import services

bp = Blueprint("audit", __name__)

# Managers only (owner, organizers, admins): the trail says what each colleague did, exports included;
# door staff and viewers see the event's lists, not how the team works.
PERMISSION = Permission.manage


def _filters():
    """The filters of the query string, and their errors (shown beside the fields; then nothing is filtered)."""
    try:
        return services.parse_filters(request.args), {}
    except ValidationFailed as error:
        return services.AuditFilters(), {name: [str(m) for m in messages] for name, messages in error.fields.items()}


def _page(event):
    filters, errors = _filters()
    if not 1 <= request.args.get("page", 1, type=int) <= 1_000_000:
        abort(404)
    page = db.paginate(services.entries_for(event, filters=filters), per_page=50, max_per_page=500)
    args = {k: v for k, v in request.args.items() if k in services.AuditFilters._fields and v} if not errors else {}
    return render_template("audit/event.html", event=event, page=page, lines=services.lines(page.items),
                           filters=filters, errors=errors, args=args, families=services.FAMILY_LABELS,
                           actors=services.actors_of(event)), 400 if errors else 200


def _csv(event, filename):
    filters, errors = _filters()
    if errors:
        raise ValidationFailed(fields=errors)
    return csv_response(services.export_rows(services.entries_for(event, filters=filters), export_language()),
                        filename)


@bp.route("/organizer/events/<slug>/audit")
@staff_required
def event_audit(slug):
    return _page(event_for(slug, PERMISSION))


@bp.route("/organizer/events/<slug>/audit.csv")
@staff_required
def event_audit_csv(slug):
    event = event_for(slug, PERMISSION)
    return _csv(event, f"audit-{event.slug}.csv")


def _admin_only():
    if not current_user.is_admin:
        abort(403)


@bp.route("/organizer/audit")
@staff_required
def all_audit():
    """Admins: the whole trail, with what belongs to no event (sign-ins, accounts, API tokens)."""
    _admin_only()
    return _page(None)


@bp.route("/organizer/audit.csv")
@staff_required
def all_audit_csv():
    _admin_only()
    return _csv(None, "audit.csv")
