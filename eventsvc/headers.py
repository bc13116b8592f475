"""The headers every answer carries: security, who may store it, and when to come back."""
from flask import current_app, request

# Every page under these shows a person: the registrant's own pages (their ticket, calendar, data) and
# the organizer's (names, e-mails, phones). A new route under them is covered without a decorator.
PERSONAL_PATHS = ("/my/", "/organizer/", "/api/v1/my/")

# Retry-After means "come back then": right for "too many requests" and "unavailable", wrong anywhere else.
RETRY_AFTER_STATUSES = (429, 503)
UNAVAILABLE_RETRY_SECONDS = 30


def personal(view):
    """Mark a view outside PERSONAL_PATHS whose answer shows a person (e.g. the ticket, an invitee's form)."""
    view.personal = True
    return view


def shows_personal_data():
    """True when this request's answer may show a person's data: browsers and proxies must not store it."""
    if request.method not in ("GET", "HEAD"):
        # The answer to a write (a registration, a check-in) shows what was written, e.g. the personal link.
        return True
    if request.path.startswith(PERSONAL_PATHS):
        return True
    if "Authorization" in request.headers:
        return True  # the organizer API: registrations, invitations, attendance
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "personal", False)


def add_headers(response, *, policy):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", policy)
    if current_app.config["BASE_URL"].startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith("/api/"):
        # The API's messages follow Accept-Language: a shared cache must keep one copy per language.
        response.vary.add("Accept-Language")
    if shows_personal_data():
        # Overrides what the view set (e.g. the personal .ics's "no-cache"): no copy on disk, in a proxy
        # or in the back-forward cache of a shared computer.
        response.headers["Cache-Control"] = "no-store"
    if response.status_code not in RETRY_AFTER_STATUSES:
        # Flask-Limiter adds one to every answer under a limit (the API's, say); only a refusal needs it.
        response.headers.pop("Retry-After", None)
    elif response.status_code == 503:
        response.headers.setdefault("Retry-After", str(UNAVAILABLE_RETRY_SECONDS))
    return response
