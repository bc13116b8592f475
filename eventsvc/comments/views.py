"""Comments: the organizer's settings, sections and moderation; the comment form; the public page; the mailed link."""
import hashlib

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import Permission, can, event_for, public_event, staff_required
from ..audit.services import REGISTRANT, record_export
from ..errors import Conflict, NotFound
from ..extensions import db, limiter
from ..forms_common import ActionForm, apply_field_errors, button_action, save_form
from ..headers import personal
from ..labels import SECTOR
from ..registration.personal_links import registration_by_token_or_404
from ..resubmit import back, csrf_failed
from ..errors import ValidationFailed
from . import services
from .forms import STATUS_LABELS, AccessForm, CommentForm, HideForm, ReplyForm, SectionsForm, SettingsForm
from .models import CommentStatus
from .period import default_closes, settings_of

bp = Blueprint("comments", __name__)


def _token_key():
    """Comments are counted per person: the personal link (or the commenter's link), hashed."""
    token = (request.view_args or {}).get("token", "")
    return "comment:" + hashlib.sha256(token.encode()).hexdigest()


def comment_written():
    """Tell comment_limit that this request wrote a comment: only those count (a refused post does not)."""
    g.comment_written = True


def comment_limit(view):
    # One count per person across the page and the API (a shared scope).
    return limiter.shared_limit(lambda: current_app.config["RATELIMIT_COMMENT"], "comments", key_func=_token_key,
                                methods=["POST"],
                                deduct_when=lambda response: g.get("comment_written", False),
                                error_message=_l("You have written many comments in a short time. Please wait a "
                                                 "little and send it again."))(view)


# ---- template globals for the hook points ----------------------------------------------------

@bp.app_template_global()
def comment_period_of(event):
    """(state, opens, closes) for the event page and /my: 'open', 'not_yet_open', 'closed' or 'not_set'."""
    return services.period_state(event)


@bp.app_template_global()
def has_my_comments(registration):
    """Whether this registration wrote comments: /my still links to them once the event or it is cancelled."""
    return services.has_comments(services.Author(registration=registration))


@bp.app_template_global()
def comment_status_label(status):
    return STATUS_LABELS.get(str(status), str(status))


# ---- the organizer --------------------------------------------------------------------------

@bp.route("/organizer/events/<slug>/comments/settings", methods=["GET", "POST"])
@staff_required
def settings(slug):
    event = event_for(slug)
    current = settings_of(event)
    form = SettingsForm(data={"opens_at": current.opens_at, "closes_at": current.closes_at,
                              "access": current.access.value} if request.method == "GET" else None)
    done = save_form(form, lambda: services.update_settings(event, form.service_data(), actor=current_user),
                     message=_("Saved."), next_url=url_for("comments.settings", slug=slug))
    if done:
        return done
    _default_hints(form, event, current)
    state, opens, closes = services.period_state(event)
    return render_template("comments/settings.html", event=event, form=form, state=state, opens=opens,
                           closes=closes, documents=services.documents_of(event)), 422 if form.errors else 200


def _default_hints(form, event, current):
    """What an empty date means, in words and with this event's dates (never a setting's name)."""
    days = current_app.config["COMMENT_PERIOD_DAYS"]
    days = f"{days:g}"
    when = current_app.jinja_env.filters["when"]
    if event.published_at is not None:
        form.opens_at.description = _("Empty: from publication (%(date)s).", date=when(event.published_at))
    base = current.opens_at or event.published_at
    if base is None:
        form.closes_at.description = _("Empty: %(days)s days after they open, or when the hearing's last session "
                                       "ends if that is later.", days=days)
    else:
        form.closes_at.description = _("Empty: until %(date)s (%(days)s days after they open, or when the hearing's "
                                       "last session ends if that is later).",
                                       date=when(default_closes(event, base)), days=days)


@bp.route("/organizer/events/<slug>/documents/<id:attachment_id>/sections", methods=["GET", "POST"])
@staff_required
def sections(slug, attachment_id):
    event = event_for(slug)
    attachment = services.document_of(event, attachment_id)
    if attachment is None:
        abort(404)
    form = SectionsForm()
    if request.method == "GET":
        form.headings.data = "\n".join(s.heading for s in services.sections_of(attachment))
    done = save_form(form, lambda: services.set_sections(attachment, form.headings.data, actor=current_user),
                     message=_("The sections are saved."),
                     next_url=url_for("comments.sections", slug=slug, attachment_id=attachment_id))
    if done:
        return done
    return render_template("comments/sections.html", event=event, attachment=attachment, form=form,
                           sections=services.sections_of(attachment)), 422 if form.errors else 200


def _int_arg(name):
    value = request.args.get(name, "")
    if value == "":
        return None
    if not value.isdigit() or len(value) > 9:
        abort(400)
    return int(value)


@bp.route("/organizer/events/<slug>/comments")
@staff_required
def organizer_list(slug):
    event = event_for(slug, Permission.view)
    status = request.args.get("status") or None
    if status is not None and status not in CommentStatus.__members__:
        abort(400)
    document, section = _int_arg("document"), _int_arg("section")
    page_number = _int_arg("page") or 1
    query = services.organizer_query(event, CommentStatus(status) if status else None, document, section)
    page = db.paginate(query, page=page_number, per_page=50, error_out=False)
    return render_template("comments/organizer.html", event=event, page=page, status=status, document=document,
                           section=section, counts=services.status_counts(event),
                           places=services.public_places(event, published_only=False), may_manage=_may_manage(event),
                           hide_form=HideForm(formdata=None), reply_form=ReplyForm(formdata=None),
                           max_chars=services.max_chars())


def _may_manage(event):
    return can(current_user, event, Permission.manage)


def _back_to_list(slug):
    return request.form.get("next") if (request.form.get("next") or "").startswith(
        f"/organizer/events/{slug}/comments") else url_for("comments.organizer_list", slug=slug)


def _comment(event, comment_id):
    try:
        return services.comment_of(event, comment_id)
    except NotFound:
        abort(404)


@bp.route("/organizer/events/<slug>/comments/<id:comment_id>/publish", methods=["POST"])
@staff_required
def publish(slug, comment_id):
    event = event_for(slug)
    comment = _comment(event, comment_id)
    return button_action(lambda: services.publish(comment, actor=current_user),
                         message=_("The comment is published."), next_url=_back_to_list(slug))


def _moderation_form(form_class, slug, comment, action, message):
    form = form_class()
    if not form.validate_on_submit():
        if csrf_failed():
            return back()
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
        return redirect(_back_to_list(slug))
    try:
        action(form)
    except ValidationFailed as error:
        db.session.rollback()
        flash(" ".join(str(m) for messages in error.fields.values() for m in messages), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(_back_to_list(slug) + f"#comment-{comment.id}")


@bp.route("/organizer/events/<slug>/comments/<id:comment_id>/hide", methods=["POST"])
@staff_required
def hide(slug, comment_id):
    event = event_for(slug)
    comment = _comment(event, comment_id)
    return _moderation_form(HideForm, slug, comment,
                            lambda form: services.hide(comment, form.reason.data, actor=current_user),
                            _("The comment is hidden."))


@bp.route("/organizer/events/<slug>/comments/<id:comment_id>/reply", methods=["POST"])
@staff_required
def reply(slug, comment_id):
    event = event_for(slug)
    comment = _comment(event, comment_id)
    return _moderation_form(ReplyForm, slug, comment,
                            lambda form: services.reply(comment, form.body.data, actor=current_user),
                            _("The reply is saved."))


# ---- the public page ------------------------------------------------------------------------

@bp.route("/events/<slug>/comments")
def public_page(slug):
    event = public_event(slug)
    places = services.public_places(event)
    wanted = request.args.get("place", "")
    place = next((p for p in places if "%d-%d" % p.key == wanted), None)
    if wanted and place is None:
        abort(404)
    page_number = _int_arg("page") or 1
    shown = [place] if place is not None else [p for p in places if p.count]
    # Without a place chosen, the page shows the first few comments of each place; a place's own page pages it.
    groups = [(p, services.public_comments(event, p, page_number) if place is not None
               else services.public_comments(event, p, 1, per_page=services.OVERVIEW_SIZE)) for p in shown]
    state, opens, closes = services.period_state(event)
    return render_template("comments/public.html", event=event, places=places, groups=groups, place=place,
                           state=state, opens=opens, closes=closes, total=sum(p.count for p in places),
                           takes_email=services.takes_email_comments(event),
                           access_form=AccessForm(formdata=None), sectors=SECTOR)


@bp.route("/events/<slug>/comments/link", methods=["POST"])
@personal
@limiter.limit(lambda: current_app.config["RATELIMIT_COMMENT_ACCESS"], methods=["POST"])
def request_link(slug):
    """A link to comment, mailed to the address given; the same answer for any address."""
    event = public_event(slug)
    if not services.takes_email_comments(event):
        abort(404)
    form = AccessForm()
    if not form.validate_on_submit():
        return render_template("comments/link.html", event=event, access_form=form, sent=False), 422
    try:
        services.request_access(event, form.email.data, locale=str(_locale()))
    except ValidationFailed as error:
        db.session.rollback()
        apply_field_errors(form, error.fields)
        return render_template("comments/link.html", event=event, access_form=form, sent=False), 422
    db.session.commit()
    return render_template("comments/link.html", event=event, access_form=AccessForm(formdata=None), sent=True,
                           email=form.email.data)


def _locale():
    from flask_babel import get_locale

    return get_locale() or "th"


# ---- writing a comment ----------------------------------------------------------------------

def _place_choices(event):
    choices = [("0-0", _("The event as a whole"))]
    for place in services.public_places(event)[1:]:
        if place.section is None:
            choices.append(("%d-0" % place.attachment.id, _("Document: %(title)s", title=place.attachment.title)))
        else:
            choices.append(("%d-%d" % place.key, "%s › %s" % (place.attachment.title, place.section.heading)))
    return choices


def _write_page(author, event, template_vars, endpoint_values, form=None, status=200):
    if form is None:
        form = CommentForm(formdata=None, data={"sector": author.sector.value if author.sector else "public",
                                                "name": author.name, "place": request.args.get("place", "0-0")})
    form.set_places(_place_choices(event))
    form.body.description = _("At most %(n)d characters.", n=services.max_chars())
    state, opens, closes = services.period_state(event)
    return render_template("comments/write.html", event=event, form=form, refusal=services.refusal(author),
                           state=state, opens=opens, closes=closes, comments=services.comments_by(author),
                           max_chars=services.max_chars(), **template_vars), status


def _post(author, event, actor, template_vars, next_url):
    form = CommentForm()
    form.set_places(_place_choices(event))
    if not form.validate_on_submit():
        return _write_page(author, event, template_vars, None, form, 422)
    try:
        posted = services.post_comment(author, form.service_data(), actor=actor)
    except ValidationFailed as error:
        db.session.rollback()
        apply_field_errors(form, {("place" if k in ("document_id", "section") else k): v
                                  for k, v in error.fields.items()}, default_field=form.body)
        return _write_page(author, event, template_vars, None, form, 422)
    except Conflict as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _write_page(author, event, template_vars, None, form, 409)
    db.session.commit()
    if posted.created:
        comment_written()
    flash(_("Thank you. Your comment is received; it appears on the public page once the organizer publishes it.")
          if posted.created else _("This comment was already received."), "success")
    return redirect(next_url)


@bp.route("/my/<token>/comments", methods=["GET", "POST"])
@comment_limit
def my_comments(token):
    registration = registration_by_token_or_404(token)
    author = services.Author(registration=registration)
    event = registration.event
    template_vars = {"token": token, "registration": registration}
    if request.method == "POST":
        return _post(author, event, REGISTRANT, template_vars, url_for("comments.my_comments", token=token))
    return _write_page(author, event, template_vars, None)


def _commenter_or_404(token):
    commenter = services.find_commenter(token)
    if commenter is None:
        abort(404)
    return commenter


@bp.route("/comments/<token>", methods=["GET", "POST"])
@personal
@comment_limit
def commenter_page(token):
    """The page of someone who confirmed their address: the comment form, their comments, their data."""
    commenter = _commenter_or_404(token)
    author = services.Author(commenter=commenter)
    event = commenter.event
    template_vars = {"commenter_token": token, "commenter": commenter}
    if request.method == "POST":
        return _post(author, event, None, template_vars, url_for("comments.commenter_page", token=token))
    if commenter.confirmed_at is None:
        services.confirm(commenter)
        db.session.commit()
    return _write_page(author, event, template_vars, None)


@bp.route("/comments/<token>/data.json")
@personal
def commenter_data(token):
    commenter = _commenter_or_404(token)
    data = services.commenter_data(commenter)
    record_export("commenter_data", actor=None, event=commenter.event)
    db.session.commit()
    response = jsonify(data)
    response.headers["Content-Disposition"] = f'attachment; filename="my-comments-{commenter.event.slug}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/comments/<token>/erase", methods=["POST"])
@personal
def commenter_erase(token):
    commenter = _commenter_or_404(token)
    if not ActionForm().validate_on_submit():
        if csrf_failed():
            return back()
        abort(400)
    event = commenter.event
    services.erase_commenter(commenter, actor=None)
    db.session.commit()
    return render_template("comments/erased.html", event=event)
