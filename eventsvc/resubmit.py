"""A form whose CSRF token is refused comes back filled in, with a fresh token and one line asking to submit again.

The token lives as long as the browser's session (WTF_CSRF_TIME_LIMIT = None), so this happens only when the
session itself is gone: the cookie expired or was cleared, another tab signed out. Then CSRFProtect refuses the
request before the view runs; the handler runs the view once more with `g.csrf_failed` set. Every form of the
app validates its own token (AppForm), so its view takes the "not valid" path and renders the form from what
was posted (a password field never shows its value, a file input cannot), with a new token in the new session.
A bare POST button (abort(400) on a failed ActionForm) goes back to the page it came from with the same line.
The run can never change anything: a commit while the token is refused raises, and the handler rolls back.
"""
from urllib.parse import urlsplit

from flask import current_app, flash, g, has_request_context, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

MESSAGE = _l("Your session had ended, so the form could not be accepted. What you typed is kept: "
             "please check it and submit again.")


class ResubmitRequired(Exception):
    """The view tried to commit while its request's CSRF token was refused."""


def csrf_failed():
    return has_request_context() and g.get("csrf_failed", False)


@event.listens_for(Session, "before_commit")
def _never_commit_without_token(session):
    if csrf_failed():
        raise ResubmitRequired()


def form_again():
    """The view's own answer to the refused POST (its form, filled in), or a way back to the page; None if no view."""
    view = current_app.view_functions.get(request.endpoint)
    if view is None or request.method != "POST":
        return None
    from .extensions import db

    g.csrf_failed = True
    try:
        response = current_app.make_response(current_app.ensure_sync(view)(**(request.view_args or {})))
    except ResubmitRequired:
        db.session.rollback()
        return back()
    except HTTPException as error:
        db.session.rollback()
        if error.code == 400:  # a bare button refusing its ActionForm
            return back()
        # Not found, forbidden...: the answer the request would have had with a good token.
        return current_app.handle_http_exception(error)
    db.session.rollback()
    if response.status_code < 300:
        # The form is shown again: nothing was done.
        response.status_code = 422
    elif response.status_code < 400:
        # A redirect (a button, or to the sign-in page): nothing was done either; say so where it lands.
        flash(MESSAGE, "error")
    return response


def back():
    """To the page the button was on (same site only), with the line asking to try again."""
    flash(MESSAGE, "error")
    referrer = urlsplit(request.referrer or "")
    same_site = referrer.netloc == request.host and referrer.scheme in ("http", "https")
    target = referrer.path + (f"?{referrer.query}" if referrer.query else "") if same_site and referrer.path else None
    return redirect(target or url_for("events.index"), 303)
