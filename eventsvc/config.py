"""Settings from the environment (EVENTSVC_*), read in one place."""
import os
import secrets
from datetime import timedelta
from pathlib import Path


def _env(name, default=None):
    return os.environ.get(f"EVENTSVC_{name}", default)


def _flag(name, default):
    value = _env(name)
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def _secret_key(instance_path):
    """The key from the environment, or one generated once and kept in the instance folder."""
    key = _env("SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        # O_EXCL so that two workers starting at once keep one key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def load(instance_path):
    """Return the settings as a dict for app.config.from_mapping()."""
    redis_url = _env("REDIS_URL", "")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": _env(
            "DATABASE_URL", f"sqlite:///{Path(instance_path) / 'eventsvc.sqlite3'}"
        ),
        "BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "REDIS_URL": redis_url,
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "CACHE_TYPE": "RedisCache" if redis_url else "SimpleCache",
        "CACHE_REDIS_URL": redis_url or None,
        "CACHE_KEY_PREFIX": _env("RATELIMIT_KEY_PREFIX", "eventsvc") + "-cache-",
        "CACHE_DEFAULT_TIMEOUT": 300,
        "RATELIMIT_KEY_PREFIX": _env("RATELIMIT_KEY_PREFIX", "eventsvc"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_LOGIN": _env("RATELIMIT_LOGIN", "10 per minute;50 per hour"),
        "RATELIMIT_REGISTER": _env("RATELIMIT_REGISTER", "120 per minute;2000 per hour"),
        "RATELIMIT_API": _env("RATELIMIT_API", "600 per minute"),
        "RATELIMIT_TOKEN": _env("RATELIMIT_TOKEN", "20 per minute"),
        "RATELIMIT_INVITATION": _env("RATELIMIT_INVITATION", "10 per minute"),
        "RATELIMIT_REPORT": _env("RATELIMIT_REPORT", "10 per minute;100 per hour"),
        # "Lost your link?" (the form and the API): requests per address, and mails per e-mail address.
        "RATELIMIT_MY_LINK": _env("RATELIMIT_MY_LINK", "5 per minute;30 per hour"),
        "RATELIMIT_MY_LINK_ADDRESS": _env("RATELIMIT_MY_LINK_ADDRESS", "3 per hour"),
        # Wrong certificate codes on /verify/<code>, per address.
        "RATELIMIT_CERTIFICATE": _env("RATELIMIT_CERTIFICATE", "20 per minute"),
        "MAX_CONTENT_LENGTH": int(_env("MAX_UPLOAD_MB", "50")) * 1024 * 1024,
        # JSON bodies are parsed whole in memory: a small limit (eventsvc/jsonbody.py).
        "MAX_JSON_BYTES": int(float(_env("MAX_JSON_KB", "1024")) * 1024),
        "UPLOAD_EXTENSIONS": _env("UPLOAD_EXTENSIONS", "pdf,doc,docx,xls,xlsx,ppt,pptx,odt,ods,odp,txt,csv,zip,png,jpg,jpeg").split(","),
        "SESSION_COOKIE_SECURE": _env("BASE_URL", "http://").startswith("https://"),
        "SESSION_COOKIE_HTTPONLY": True,
        # A form's CSRF token lives as long as the session (a browser session: the cookie has no expiry);
        # when the session is gone the form comes back filled in (eventsvc/resubmit.py).
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _env("BASE_URL", "http://").startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # "Keep me signed in": the cookie and its sign-in on the server last this long (accounts/services.py).
        "REMEMBER_DAYS": float(_env("REMEMBER_DAYS", "30")),
        "REMEMBER_COOKIE_DURATION": timedelta(days=float(_env("REMEMBER_DAYS", "30"))),
        # A sign-in without "keep me signed in" ends after this many hours even if the browser stays open.
        "LOGIN_HOURS": float(_env("LOGIN_HOURS", "12")),
        "SET_PASSWORD_LINK_HOURS": float(_env("SET_PASSWORD_LINK_HOURS", "72")),
        "BABEL_DEFAULT_LOCALE": "th",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Bangkok",
        "LANGUAGES": ("th", "en"),
        "STREAM_HOSTS": _env(
            "STREAM_HOSTS",
            "youtube.com,www.youtube.com,youtu.be,facebook.com,www.facebook.com,fb.watch,"
            "zoom.us,*.zoom.us,teams.microsoft.com,teams.live.com,vimeo.com,player.vimeo.com",
        ).split(","),
        "STREAM_OPENS_MINUTES": float(_env("STREAM_OPENS_MINUTES", "15")),
        "CHECKIN_OPENS_MINUTES": float(_env("CHECKIN_OPENS_MINUTES", "120")),
        "REMINDER_DAY_BEFORE_HOURS": float(_env("REMINDER_DAY_BEFORE_HOURS", "24")),
        "REMINDER_SOON_MINUTES": float(_env("REMINDER_SOON_MINUTES", "60")),
        "ATTENDEE_LIST_DAYS": float(_env("ATTENDEE_LIST_DAYS", "30")),
        # The hearing (comments, surveys, the summary report): see README, "The hearing".
        "COMMENT_PERIOD_DAYS": float(_env("COMMENT_PERIOD_DAYS", "15")),
        "SUMMARY_DEADLINE_DAYS": float(_env("SUMMARY_DEADLINE_DAYS", "15")),
        "SATISFACTION_TARGET_PERCENT": int(_env("SATISFACTION_TARGET_PERCENT", "85")),
        # The survey after each session: mailed this long after its end, open this many days after it.
        "SURVEY_SEND_AFTER_MINUTES": float(_env("SURVEY_SEND_AFTER_MINUTES", "30")),
        "SURVEY_OPEN_DAYS": float(_env("SURVEY_OPEN_DAYS", "14")),
        # Questions during a session (eventsvc/qna/): per registrant; the board's cache; how often screens poll.
        "RATELIMIT_QUESTIONS": _env("RATELIMIT_QUESTIONS", "3 per minute"),
        "RATELIMIT_QUESTION_VOTES": _env("RATELIMIT_QUESTION_VOTES", "60 per minute"),
        "QNA_MAX_QUESTIONS_PER_SESSION": int(_env("QNA_MAX_QUESTIONS_PER_SESSION", "20")),
        "QNA_BOARD_CACHE_SECONDS": int(_env("QNA_BOARD_CACHE_SECONDS", "5")),
        "QNA_POLL_SECONDS": float(_env("QNA_POLL_SECONDS", "4")),
        "COMMENT_MAX_CHARS": int(_env("COMMENT_MAX_CHARS", "5000")),
        "RATELIMIT_COMMENT": _env("RATELIMIT_COMMENT", "5 per minute;50 per day"),
        "RATELIMIT_COMMENT_ACCESS": _env("RATELIMIT_COMMENT_ACCESS", "5 per minute;30 per hour"),
        # A callable returning an aware UTC datetime: tests set it to control the time (eventsvc/clock.py).
        "CLOCK": None,
        "PROXY_COUNT": int(_env("PROXY_COUNT", "0")),
        "VIEW_COUNT_FLUSH_SECONDS": float(_env("VIEW_COUNT_FLUSH_SECONDS", "5")),
        "INVITATION_IMPORT_MAX_ROWS": int(_env("INVITATION_IMPORT_MAX_ROWS", "20000")),
        "INVITATION_IMPORT_MAX_MB": float(_env("INVITATION_IMPORT_MAX_MB", "5")),
        "SMTP_URL": _env("SMTP_URL", ""),
        "MAIL_FROM": _env("MAIL_FROM", ""),
        # The agency whose site this is: named in the header, page titles, footer and mails.
        "AGENCY_NAME_TH": _env("AGENCY_NAME_TH", "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)"),
        "AGENCY_NAME_EN": _env("AGENCY_NAME_EN", "Digital Government Development Agency"),
        # A path to an SVG/PNG logo (absolute, or relative to the instance folder); empty: the bundled mark.
        # Served from this site (/logo), since the Content-Security-Policy allows images only from here.
        "AGENCY_LOGO": _env("AGENCY_LOGO", ""),
        "PRIVACY_URL": _env("PRIVACY_URL", ""),
        "CONTACT_URL": _env("CONTACT_URL", ""),
        "ACCESSIBILITY_URL": _env("ACCESSIBILITY_URL", ""),
        # The display name of the From of every mail; empty: the agency's name (in Thai).
        "MAIL_FROM_NAME": _env("MAIL_FROM_NAME", ""),
        "MAIL_MAX_ATTEMPTS": int(_env("MAIL_MAX_ATTEMPTS", "8")),
        "MAIL_RETRY_BASE_SECONDS": float(_env("MAIL_RETRY_BASE_SECONDS", "60")),
        "MAIL_BATCH_SIZE": int(_env("MAIL_BATCH_SIZE", "100")),
        "MAIL_LEASE_SECONDS": int(_env("MAIL_LEASE_SECONDS", "600")),
        "MAIL_SMTP_TIMEOUT": float(_env("MAIL_SMTP_TIMEOUT", "30")),
        "MAIL_CHANGE_DELAY_SECONDS": float(_env("MAIL_CHANGE_DELAY_SECONDS", "120")),
        # Webhooks (eventsvc/webhooks/): the worker's tries, and what a receiver may be.
        "WEBHOOK_MAX_ATTEMPTS": int(_env("WEBHOOK_MAX_ATTEMPTS", "10")),
        "WEBHOOK_RETRY_BASE_SECONDS": float(_env("WEBHOOK_RETRY_BASE_SECONDS", "30")),
        "WEBHOOK_BATCH_SIZE": int(_env("WEBHOOK_BATCH_SIZE", "100")),
        "WEBHOOK_LEASE_SECONDS": int(_env("WEBHOOK_LEASE_SECONDS", "300")),
        "WEBHOOK_TIMEOUT": float(_env("WEBHOOK_TIMEOUT", "10")),
        "WEBHOOK_MAX_RESPONSE_KB": int(_env("WEBHOOK_MAX_RESPONSE_KB", "64")),
        # Private, loopback and link-local receivers: for tests and a developer's machine only.
        "WEBHOOK_ALLOW_PRIVATE": _flag("WEBHOOK_ALLOW_PRIVATE", False),
        # A PEM file of the certificate authorities a receiver's certificate may come from (instead of the system's).
        "WEBHOOK_CA_BUNDLE": _env("WEBHOOK_CA_BUNDLE", ""),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "API_TITLE": "eventsvc",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
