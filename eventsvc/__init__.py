"""eventsvc: registration, tickets and check-in for public hearings, workshops and focus groups."""
import os
from pathlib import Path

from flask import Flask, abort, has_request_context, request, session
from flask_babel import gettext
from werkzeug.routing import IntegerConverter
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from .extensions import babel, cache, csrf, db, limiter, login_manager, migrate
from .extensions import api as rest_api  # not "api": that name is the eventsvc.api package

ROOT = Path(__file__).resolve().parent.parent


def select_locale():
    """Thai unless the person chose English (?lang=en, kept in the session); the API follows Accept-Language."""
    if not has_request_context():
        return "th"
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(["th", "en"], default="th")
    chosen = request.args.get("lang")
    if chosen in ("th", "en"):
        session["lang"] = chosen
        return chosen
    return session.get("lang", "th")


class IdConverter(IntegerConverter):
    """A database id in a URL: 1 to 2**31-1; anything larger is a 404, not an overflow in the database."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


def refuse_nul_bytes():
    """A NUL byte is never valid text (PostgreSQL refuses it): answer 400 before anything reads it."""
    if "\x00" in request.path or b"%00" in request.query_string or "\x00" in request.query_string.decode("latin-1"):
        abort(400)
    if request.form and any("\x00" in value for values in request.form.listvalues() for value in values):
        abort(400)


def create_app(config=None):
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("EVENTSVC_INSTANCE_PATH")
    if instance_path:
        app.instance_path = instance_path
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.load(app.instance_path))
    app.json.ensure_ascii = False  # Thai as UTF-8 text, not \u escapes
    if config:
        app.config.update(config)

    proxies = app.config["PROXY_COUNT"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)

    app.url_map.converters["id"] = IdConverter
    from . import jsonbody

    jsonbody.init_app(app)  # first: it sets the body's size limit before anything reads it
    app.before_request(refuse_nul_bytes)

    from .headers import add_headers
    from .livestream.services import frame_sources

    with app.app_context():
        # Players may be embedded from exactly the configured stream hosts, and from nowhere else.
        policy = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                  f"frame-src {frame_sources() or 'none'}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")

    # Registered before the limiter: Flask runs after_request functions last-registered first, so this one
    # sees the limiter's headers (and takes its Retry-After off answers that are not refusals).
    @app.after_request
    def security_headers(response):
        return add_headers(response, policy=policy)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(ROOT / "translations"))
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    # Flask-Login flashes its message as given: the catalog's "Please sign in." (errors.py), through gettext.
    login_manager.login_message = "Please sign in."
    login_manager.localize_callback = gettext

    from .accounts import models as _accounts_models  # noqa: F401  (tables for migrations)
    from .events import models as _events_models  # noqa: F401
    from .registration import models as _registration_models  # noqa: F401
    from .invitations import models as _invitation_models  # noqa: F401
    from .mail import models as _mail_models  # noqa: F401
    from .checkin import models as _checkin_models  # noqa: F401
    from .livestream import models as _livestream_models  # noqa: F401
    from .teams import models as _teams_models  # noqa: F401
    from .audit import models as _audit_models  # noqa: F401
    from .messaging import models as _messaging_models  # noqa: F401
    from .webhooks import services as _webhooks  # noqa: F401  (its tables, and its receivers of the signals)
    from .questions import models as _question_models  # noqa: F401
    from .comments import models as _comments_models  # noqa: F401
    from .qna import models as _qna_models  # noqa: F401
    from .surveys import models as _surveys_models  # noqa: F401
    from .certificates import services as _certificates  # noqa: F401  (its table, and its receiver of the signals)
    from .reports import models as _reports_models  # noqa: F401
    # The kinds of message each capability sends (see mail/kinds.py).
    from .registration import messages as _registration_messages  # noqa: F401
    from .invitations import messages as _invitation_messages  # noqa: F401
    from .livestream import messages as _livestream_messages  # noqa: F401
    from .teams import messages as _teams_messages  # noqa: F401
    from .messaging import messages as _messaging_messages  # noqa: F401
    from .surveys import messages as _surveys_messages  # noqa: F401
    from .comments import messages as _comments_messages  # noqa: F401

    rest_api.init_app(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer", "description": "flask --app wsgi user token EMAIL"}
    }}})
    rest_api.register_converter(IdConverter, lambda converter: {"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
    from .api.views import blp as api_blueprint

    rest_api.register_blueprint(api_blueprint)
    csrf.exempt(api_blueprint)  # no cookies: bearer tokens only

    from .accounts.views import bp as accounts_bp
    from .events.views import bp as events_bp
    from .registration.views import bp as registration_bp
    from .mail.views import bp as mail_bp
    from .invitations.views import bp as invitations_bp
    from .tickets.views import bp as tickets_bp
    from .checkin.views import bp as checkin_bp
    from .livestream.views import bp as livestream_bp
    from .attendees.views import bp as attendees_bp
    from .site.views import bp as site_bp
    from .teams.views import bp as teams_bp
    from .messaging.views import bp as messaging_bp
    from .dashboard.views import bp as dashboard_bp
    from .webhooks.views import bp as webhooks_bp
    from .questions.views import bp as questions_bp
    from .audit.views import bp as audit_bp
    from .certificates.views import bp as certificates_bp
    from .surveys.views import bp as surveys_bp
    from .qna.views import bp as qna_bp
    from .comments.views import bp as comments_bp
    from .reports.views import bp as reports_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(livestream_bp)
    app.register_blueprint(attendees_bp)
    app.register_blueprint(site_bp)
    app.register_blueprint(teams_bp)
    app.register_blueprint(messaging_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(questions_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(surveys_bp)
    app.register_blueprint(qna_bp)
    app.register_blueprint(reports_bp)

    # After the API: flask-smorest registers its own HTTPException handler.
    from . import errors

    errors.init_app(app)

    from . import templating

    templating.init_app(app)

    from . import cli

    cli.init_app(app)

    return app
