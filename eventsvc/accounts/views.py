"""Sign in and out of the organizer pages, change one's password, and the admins' page of accounts."""
from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import clock
from ..errors import Conflict, ValidationFailed
from ..extensions import db, limiter, login_manager
from ..forms_common import ActionForm, button_action, save_form
from .forms import ChangePasswordForm, LoginForm, NewPasswordForm, NewUserForm
from .models import User
from .password_links import user_for_token
from . import services
from .services import authenticate

bp = Blueprint("accounts", __name__, url_prefix="/organizer")


@login_manager.user_loader
def load_user(login_token):
    # The session and the remember cookie carry the sign-in's token (User.get_id), never the bare user id.
    return services.user_for_session(login_token)


def safe_next(target):
    """Only a path on this site: an absolute URL (or //host) in `next` is refused."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _login_failed(response):
    # Only failed attempts count against the limit.
    return response.status_code != 302


def sign_in(user, remember):
    """Start a sign-in on the server and put its token in this browser's cookies."""
    config = current_app.config
    services.start_session(user, remember=remember, days=config["REMEMBER_DAYS"], hours=config["LOGIN_HOURS"],
                           user_agent=request.user_agent.string)
    db.session.commit()
    # The cookie lives as long as the sign-in on the server (REMEMBER_COOKIE_DURATION is the same by default).
    login_user(user, remember=remember, duration=timedelta(days=config["REMEMBER_DAYS"]) if remember else None)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"], deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("events.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            sign_in(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or url_for("events.dashboard"))
        db.session.commit()  # the failed attempt's record (see authenticate)
        form.password.errors.append(_("Wrong e-mail or password."))
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if ActionForm().validate_on_submit():
        # Every sign-in of this person ends, on every browser: a cookie copied elsewhere dies with this one.
        services.sign_out(current_user._get_current_object())
        db.session.commit()
        logout_user()
    return redirect(url_for("events.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    remember = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")) is not None
    done = save_form(
        form, lambda: services.change_own_password(user, form.current_password.data, form.password.data),
        message=_("Your password is changed. You are signed out everywhere else."),
        next_url=url_for("events.dashboard"),
    )
    if done is not None:
        # Every sign-in ended with the old password, this one too: start a new one for this browser.
        sign_in(user, remember=remember)
        return done
    return render_template("accounts/change_password.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token):
    """A colleague added to a team chooses their password through the mailed link (signed, expiring, good once)."""
    user = user_for_token(token, clock.now())
    if user is None:  # the same answer for a forged, expired or used link (an error page, also after a stale form)
        return render_template("errors/error.html", status=404, message=_(
            "This link cannot be used: it may have been used already or expired. "
            "Ask the event's owner to add you again.")), 404
    form = NewPasswordForm()
    done = save_form(form, lambda: services.set_password_by_link(token, form.password.data),
                     message=_("Your password is set. Sign in with your e-mail and this password."),
                     next_url=url_for(".login"))
    if done is not None:
        return done
    return render_template("accounts/set_password.html", form=form, user=user), \
        422 if request.method == "POST" else 200


# ---- admins: the accounts ---------------------------------------------------------

def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _user_or_404(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users")
@admin_required
def users():
    return render_template("accounts/users.html", rows=services.list_users())


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def create_user():
    form = NewUserForm()

    def create():
        try:
            return services.create_user(form.email.data, form.password.data, form.role.data, name=form.name.data or "",
                                        actor=current_user)
        except Conflict as error:  # the e-mail is taken: said beside the field, like any other wrong input
            raise ValidationFailed(fields={"email": [error.message]})

    done = save_form(form, create, message=_("Account created."), next_url=url_for(".users"),
                     default_field=form.email)
    if done is not None:
        return done
    return render_template("accounts/new_user.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/users/<id:user_id>/deactivate", methods=["POST"])
@admin_required
def deactivate_user(user_id):
    user = _user_or_404(user_id)
    return button_action(lambda: services.deactivate_user(user, actor=current_user),
                         message=_("%(email)s is deactivated and signed out everywhere.", email=user.email),
                         next_url=url_for(".users"))


@bp.route("/users/<id:user_id>/activate", methods=["POST"])
@admin_required
def activate_user(user_id):
    user = _user_or_404(user_id)
    return button_action(lambda: services.activate_user(user, actor=current_user),
                         message=_("%(email)s can sign in again.", email=user.email),
                         next_url=url_for(".users"))


@bp.route("/users/<id:user_id>/revoke-tokens", methods=["POST"])
@admin_required
def revoke_tokens(user_id):
    user = _user_or_404(user_id)
    return button_action(lambda: services.revoke_api_tokens(user, actor=current_user),
                         message=lambda n: _("%(n)d API token(s) of %(email)s revoked.", n=n, email=user.email),
                         next_url=url_for(".users"))


@bp.route("/users/<id:user_id>/password", methods=["GET", "POST"])
@admin_required
def reset_password(user_id):
    user = _user_or_404(user_id)
    form = NewPasswordForm()
    done = save_form(form, lambda: services.set_password(user, form.password.data, actor=current_user),
                     message=_("The password of %(email)s is changed; they are signed out everywhere.",
                               email=user.email),
                     next_url=url_for(".users"))
    if done is not None:
        if user.id == current_user.id:
            # An admin who resets their own password here stays signed in on this browser.
            sign_in(user, remember=False)
        return done
    return render_template("accounts/reset_password.html", form=form, user=user), \
        422 if request.method == "POST" else 200
