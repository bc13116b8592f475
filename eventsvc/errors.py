"""Domain errors raised by services, and the handlers that answer them as HTML or JSON."""
from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .resubmit import form_again


class DomainError(Exception):
    """A rule of the domain refused the action; `message` is shown to the user."""

    status = 400
    code = "bad_request"
    message = _l("The request cannot be carried out.")

    def __init__(self, message=None, *, fields=None, **details):
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message
        self.fields = fields or {}
        self.details = details


class MalformedJSON(DomainError):
    status, code, message = 400, "bad_request", _l("The request body is not valid JSON.")


class NotFound(DomainError):
    status, code, message = 404, "not_found", _l("Not found.")


class PermissionDenied(DomainError):
    status, code, message = 403, "forbidden", _l("You may not do this.")


class ValidationFailed(DomainError):
    status, code, message = 422, "invalid", _l("Some fields are not valid.")


class Conflict(DomainError):
    status, code, message = 409, "conflict", _l("This conflicts with the current state.")


class RegistrationClosed(Conflict):
    code, message = "registration_closed", _l("Registration for this event is closed.")


class CapacityReached(Conflict):
    code, message = "full", _l("This event is full.")


class InvitationInvalid(PermissionDenied):
    # One answer for unknown, malformed, used, revoked and expired links: a link cannot be probed.
    code, message = "invitation_invalid", _l(
        "This invitation link cannot be used: it may have been used already, withdrawn or expired. "
        "Please contact the organizer."
    )


class InvitationRequired(PermissionDenied):
    code, message = "invitation_required", _l(
        "This event is by invitation only. Please register through the personal link in your invitation."
    )


_HTTP_MESSAGES = {
    400: _l("The request is malformed."),
    401: _l("Please sign in."),
    403: _l("You may not do this."),
    404: _l("Not found."),
    405: _l("This method is not allowed here."),
    409: _l("This conflicts with the current state."),
    413: _l("The upload is too large."),
    415: _l("Send JSON with Content-Type: application/json."),
    422: _l("Some fields are not valid."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Nothing was saved; please try again."),
}
_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "rate_limited", 500: "server_error",
}


def wants_json():
    return request.path.startswith("/api/")


def error_response(status, code, message, fields=None, headers=None):
    if wants_json():
        body = {"error": {"code": code, "message": str(message)}}
        if fields:
            body["error"]["fields"] = {k: [str(m) for m in v] for k, v in fields.items()}
        response = jsonify(body)
    else:
        response = (render_template("errors/error.html", status=status, message=message) if status < 500
                    else _render_without_the_database("errors/error.html", status=status, message=message))
    return response, status, headers or {}


def _render_without_the_database(template, **context):
    """A page for a failure on our side, which may be the database's: the site's header, but nobody signed in.

    render_template() would run Flask-Login's context processor, which loads
    the signed-in user from the database; this page must not query.
    """
    from flask import current_app, g, session
    from flask_login import AnonymousUserMixin

    context = dict(request=request, session=session, g=g, config=current_app.config,
                   current_user=AnonymousUserMixin(), bare_header=True, **context)
    return current_app.jinja_env.get_template(template).render(context)


def _handle_domain_error(error):
    db.session.rollback()
    return error_response(error.status, error.code, error.message, error.fields)


def _handle_http_error(error):
    if error.code >= 500:
        db.session.rollback()
    status = error.code or 500
    headers = dict(error.get_headers()) if hasattr(error, "get_headers") else {}
    headers.pop("Content-Type", None)
    message = _HTTP_MESSAGES.get(status, error.description)
    fields = None
    if status == 429:
        message = _HTTP_MESSAGES[429]
    data = getattr(error, "data", None)
    if status == 400:
        invalid_json = isinstance(data, dict) and "json" in data.get("messages", {})
        message = _l("The request body is not valid JSON.") if invalid_json else _HTTP_MESSAGES[400]
    elif isinstance(data, dict) and "messages" in data:
        # webargs/flask-smorest validation errors: {"json": {"field": ["msg"]}}
        fields = {}
        for location in data["messages"].values():
            if isinstance(location, dict):
                fields.update(_flatten(location))
            else:
                fields["_schema"] = location
        if status == 422:
            message = _HTTP_MESSAGES[422]
    return error_response(status, _HTTP_CODES.get(status, "error"), message, fields, headers)


# marshmallow's messages, in the user's language (matched by their start).
_SCHEMA_MESSAGES = (
    ("Missing data for required field", _l("This field is required.")),
    ("Field may not be null", _l("This field is required.")),
    ("Unknown field", _l("Unknown field.")),
    ("Not a valid string", _l("Must be text.")),
    ("Not a valid integer", _l("Must be a whole number.")),
    ("Not a valid boolean", _l("Must be true or false.")),
    ("Not a valid list", _l("Must be a list.")),
    ("Not a valid datetime", _l("Must be a date and time (ISO 8601).")),
    ("Not a valid aware datetime", _l("Must be a date and time (ISO 8601).")),
    ("Not a valid email address", _l("Not a valid e-mail address.")),
    ("Must be one of", _l("Not one of the allowed values.")),
    ("Longer than maximum length", _l("Too long.")),
    ("Shorter than minimum length", _l("This field is required.")),
    ("Length must be", _l("Wrong length.")),
    ("Must be greater than or equal to", _l("Out of range.")),
    ("Must be less than or equal to", _l("Out of range.")),
    ("Invalid input type", _l("Send a JSON object.")),
)


def _translate_schema_message(message):
    text = str(message)
    for start, translated in _SCHEMA_MESSAGES:
        if text.startswith(start):
            return translated
    return message


def _flatten(messages, prefix=""):
    """{"sessions": {0: ["Not a valid integer."]}} -> {"sessions.0": [...]}"""
    flat = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = [_translate_schema_message(m) for m in (value if isinstance(value, list) else [value])]
    return flat


def _handle_csrf_error(error):
    if not wants_json():
        # The form comes back filled in with a fresh token (eventsvc/resubmit.py): never a dead end.
        try:
            response = form_again()
        except DomainError as error:  # the view refused before its form (not on the team: 403): that answer
            db.session.rollback()
            return error_response(error.status, error.code, error.message, error.fields)
        if response is not None:
            return response
    return error_response(400, "csrf", _l("The form has expired. Please reload the page and try again."))


def _handle_unexpected(error):
    db.session.rollback()
    from flask import current_app

    current_app.logger.exception("Unhandled error")
    return error_response(500, "server_error", _HTTP_MESSAGES[500])


def init_app(app):
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(CSRFError, _handle_csrf_error)
    app.register_error_handler(HTTPException, _handle_http_error)
    if not app.testing:
        # In tests an unexpected exception should fail loudly, with its traceback.
        app.register_error_handler(Exception, _handle_unexpected)
