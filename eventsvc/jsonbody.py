"""JSON request bodies: too large is a 413 before anything reads them; malformed or too deep to parse is a 400."""
import json

from flask import abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

from .errors import MalformedJSON

# The API calls that accept a larger body, and the setting that says how large (in MB).
LARGER_BODIES = {"api.create_invitations": "INVITATION_IMPORT_MAX_MB"}


def json_limit(endpoint):
    """The largest JSON body, in bytes, that `endpoint` accepts."""
    setting = LARGER_BODIES.get(endpoint)
    if setting:
        return int(current_app.config[setting] * 1024 * 1024)
    return current_app.config["MAX_JSON_BYTES"]


def guard_json_body():
    """Refuse a JSON body that is too large (413) before anything reads it, and a malformed one (400).

    The limit is set on the request, so a chunked body with no Content-Length
    is cut off at the same size while it is read. Other bodies (uploads, forms)
    keep the application's MAX_CONTENT_LENGTH.
    """
    if not request.is_json:
        return
    limit = json_limit(request.endpoint)
    if request.content_length is not None and request.content_length > limit:
        abort(413)
    # A chunked body has no Content-Length: read at most one byte more than
    # the limit (Werkzeug stops at the limit without a word), then judge.
    request.max_content_length = limit + 1
    if len(request.get_data(cache=True)) > limit:
        abort(413)
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, "checks_token_first", False):
        refuse_malformed_json()


def refuse_malformed_json():
    """A JSON body that does not parse is a 400 on every route, whether or not the view reads it.

    Views that check a token first (a stranger learns nothing from the body's
    fate) call this themselves, after the check.
    """
    if request.is_json and request.get_data(cache=True):
        try:
            request.get_json()  # the parsed body is cached for the view
        except BadRequest:
            raise MalformedJSON() from None


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where text too deep for Python's parser is malformed JSON (a ValueError), not a crash."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise json.JSONDecodeError("nested too deeply", "[", 0) from None


def init_app(app):
    """Call before any other before_request function that may read the body."""
    provider = JSONProvider(app)
    provider.ensure_ascii = app.json.ensure_ascii
    app.json = provider
    app.before_request(guard_json_body)
