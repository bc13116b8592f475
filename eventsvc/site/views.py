"""The favicon and the agency's logo, and the agency's name for templates and mails."""
import mimetypes
from pathlib import Path

from flask import Blueprint, abort, current_app, send_file, send_from_directory

bp = Blueprint("site", __name__)

LOGO_TYPES = {".svg", ".png", ".jpg", ".jpeg", ".webp"}


def agency_name(locale):
    """The agency's name in `locale` (Thai unless English is asked for)."""
    config = current_app.config
    if str(locale) == "en" and config.get("AGENCY_NAME_EN"):
        return config["AGENCY_NAME_EN"]
    return config.get("AGENCY_NAME_TH") or config.get("AGENCY_NAME_EN") or ""


def footer_links():
    """[(id, url)] of the footer links that are configured, in a fixed order."""
    config = current_app.config
    return [(key, config[setting]) for key, setting in
            (("privacy", "PRIVACY_URL"), ("contact", "CONTACT_URL"), ("accessibility", "ACCESSIBILITY_URL"))
            if config.get(setting)]


@bp.get("/favicon.ico")
def favicon():
    # Browsers ask for /favicon.ico whatever the page links; every current one draws an SVG.
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)


@bp.get("/logo")
def logo():
    configured = current_app.config.get("AGENCY_LOGO")
    if not configured:
        return send_from_directory(current_app.static_folder, "logo.svg", mimetype="image/svg+xml", max_age=3600)
    path = Path(configured)
    if not path.is_absolute():
        path = Path(current_app.instance_path) / path
    if path.suffix.lower() not in LOGO_TYPES or not path.is_file():
        # A wrong setting must not break every page: the header's <img> shows its alt text.
        current_app.logger.warning("EVENTSVC_AGENCY_LOGO %s is not an SVG/PNG/JPEG/WebP file", path)
        abort(404)
    return send_file(path, mimetype=mimetypes.guess_type(path.name)[0], max_age=3600)
