"""The organizer's filters on a list of registrations, read from the query string (the list page and the exports)."""
from flask import abort, request

from ..registration.models import Attendance, RegistrationStatus, Sector
from . import services


def list_filters(event):
    """The organizer's filters from the query string; 400 for a value that is not one of the allowed ones."""
    args = request.args
    filters = {
        "status": args.get("status") or None, "session": args.get("session", type=int) or None,
        "sector": args.get("sector") or None, "attendance": args.get("attendance") or None,
        "checked_in": args.get("checked_in") or None, "q": args.get("q", "")[:100],
        "sort": args.get("sort") or None,
    }
    allowed = {"status": [s.value for s in RegistrationStatus], "sector": [s.value for s in Sector],
               "attendance": [a.value for a in Attendance], "checked_in": ["yes", "no"],
               "sort": list(services.SORTS)}
    for name, values in allowed.items():
        if filters[name] is not None and filters[name] not in values:
            abort(400)
    if filters["session"] is not None and filters["session"] not in {s.id for s in event.sessions}:
        abort(400)
    return filters
