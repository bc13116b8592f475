"""Questions during a session: the registrant's page, the room's QR page, moderation, the presenter's screen."""
from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..access import Permission, event_for, public_event, staff_required
from ..errors import DomainError, ValidationFailed
from ..events.models import EventSession
from ..extensions import db
from ..forms_common import ActionForm, apply_field_errors, button_action
from ..mail.render import external_url
from ..registration.forms import MyLinkForm
from ..registration.personal_links import registration_by_token_or_404
from ..registration.services import find_registration_by_token
from ..resubmit import back, csrf_failed
from ..teams.services import can
from ..tickets import qr
from . import services
from .forms import AskForm

bp = Blueprint("qna", __name__)

# The personal links opened in this browser, newest first, so that the room's QR page can take the person on.
REMEMBERED = "qna_links"
REMEMBER_AT_MOST = 5


@bp.app_template_global()
def qna_open_sessions(registration):
    """The registrant's sessions taking questions now: the links on /my."""
    return services.open_sessions(registration, clock.now())


def _session_of(event_id, session_id):
    found = db.session.get(EventSession, session_id)
    if found is None or found.event_id != event_id:
        abort(404)
    return found


def _remember(token):
    links = [token] + [t for t in session.get(REMEMBERED, []) if t != token]
    session[REMEMBERED] = links[:REMEMBER_AT_MOST]


@bp.after_app_request
def _remember_personal_link(response):
    # The person opened their /my page in this browser: the room's QR page may take them straight on.
    if request.endpoint == "registration.my_registration" and response.status_code == 200:
        _remember(request.view_args["token"])
    return response


# ---- the registrant --------------------------------------------------------------------------

def _attendee_page(registration, token, event_session, form=None, status=200):
    now = clock.now()
    opens, closes = services.window(event_session)
    return render_template(
        "qna/ask.html", registration=registration, event=registration.event, session=event_session, token=token,
        form=form or AskForm(formdata=None), is_open=services.is_open(event_session, now), opens=opens,
        closes=closes, now=now, questions=services.approved_questions(event_session.id),
        mine=services.own_questions(registration, event_session),
        voted=services.voted_ids(registration, event_session),
        poll_seconds=current_app.config["QNA_POLL_SECONDS"]), status


@bp.route("/my/<token>/sessions/<id:session_id>/questions", methods=["GET", "POST"])
def questions(token, session_id):
    registration = registration_by_token_or_404(token)
    event_session = _session_of(registration.event_id, session_id)
    services.check_participant(registration, event_session)  # 403 with its reason
    _remember(token)
    if request.method == "GET":
        return _attendee_page(registration, token, event_session)
    form = AskForm()
    if not form.validate_on_submit():
        return _attendee_page(registration, token, event_session, form=form, status=422)
    try:
        services.ask(registration, event_session, form.body.data, form.display_name.data, now=clock.now())
    except ValidationFailed as error:
        db.session.rollback()
        apply_field_errors(form, error.fields, default_field=form.body)
        return _attendee_page(registration, token, event_session, form=form, status=422)
    except DomainError as error:  # closed, or too many: said beside the question, nothing written
        db.session.rollback()
        form.body.errors = list(form.body.errors) + [str(error.message)]
        return _attendee_page(registration, token, event_session, form=form, status=error.status)
    db.session.commit()
    flash(_("Thank you. Your question is sent; it is shown once a moderator approves it."), "success")
    return redirect(url_for("qna.questions", token=token, session_id=session_id))


@bp.route("/my/<token>/sessions/<id:session_id>/questions/<id:question_id>/<any(vote, unvote):action>",
          methods=["POST"])
def vote(token, session_id, question_id, action):
    registration = registration_by_token_or_404(token)
    event_session = _session_of(registration.event_id, session_id)
    question = services.find_question(event_session, question_id)
    act = services.vote if action == "vote" else services.unvote
    if not ActionForm().validate_on_submit():
        return back() if csrf_failed() else abort(400)
    try:
        act(registration, question, now=clock.now())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
    return redirect(url_for("qna.questions", token=token, session_id=session_id) + f"#q-{question_id}")


def _board_response(entry):
    if entry is None:
        abort(404)
    if request.if_none_match.contains(entry["etag"]):
        response = Response(status=304)
    else:
        response = Response(entry["body"], mimetype="application/json")
    response.set_etag(entry["etag"])
    return response


@bp.route("/my/<token>/sessions/<id:session_id>/questions.json")
def attendee_board(token, session_id):
    registration = registration_by_token_or_404(token)
    event_session = _session_of(registration.event_id, session_id)
    services.check_participant(registration, event_session)
    return _board_response(services.board(event_session.id))


# ---- the room: the public page the QR code opens -------------------------------------------------

@bp.route("/events/<slug>/sessions/<id:session_id>/ask")
def room(slug, session_id):
    """No personal link in the QR: it leads here, and here to the person's own page when this browser knows it."""
    event = public_event(slug)
    event_session = _session_of(event.id, session_id)
    for token in session.get(REMEMBERED, []):
        registration = find_registration_by_token(token)
        if registration is None or registration.event_id != event.id:
            continue
        try:
            services.check_participant(registration, event_session)
        except DomainError:
            continue
        return redirect(url_for("qna.questions", token=token, session_id=session_id))
    return render_template("qna/room.html", event=event, session=event_session,
                           my_link_form=MyLinkForm(formdata=None, prefix="lost"),
                           is_open=services.is_open(event_session, clock.now()))


@bp.route("/events/<slug>/sessions/<id:session_id>/ask/qr.svg")
def room_qr(slug, session_id):
    event = public_event(slug)
    _session_of(event.id, session_id)
    data, mimetype = qr.image(external_url("qna.room", slug=slug, session_id=session_id), "svg")
    response = Response(data, mimetype=mimetype)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


# ---- the event's team: moderation and the presenter's screen ---------------------------------------

@bp.route("/organizer/events/<slug>/sessions/<id:session_id>/questions")
@staff_required
def moderation(slug, session_id):
    """The questions of a session for the team: viewers read them, whoever may manage the event also moderates."""
    event = event_for(slug, Permission.view)
    event_session = _session_of(event.id, session_id)
    return render_template("qna/moderate.html", event=event, session=event_session,
                           may_moderate=can(current_user, event, Permission.manage),
                           questions=services.for_moderation(event_session), counts=services.counts(event_session),
                           is_open=services.is_open(event_session, clock.now()),
                           poll_seconds=current_app.config["QNA_POLL_SECONDS"])


@bp.route("/organizer/events/<slug>/sessions/<id:session_id>/questions/counts.json")
@staff_required
def moderation_counts(slug, session_id):
    """What static/qna-moderate.js polls: the questions by state, to say "new questions" without a reload."""
    event = event_for(slug, Permission.view)
    event_session = _session_of(event.id, session_id)
    return services.counts(event_session)


@bp.route("/organizer/events/<slug>/sessions/<id:session_id>/questions/<id:question_id>/"
          "<any(approve, hide, pin, unpin, answer, unanswer):action>", methods=["POST"])
@staff_required
def moderate(slug, session_id, question_id, action):
    event = event_for(slug, Permission.manage)
    event_session = _session_of(event.id, session_id)
    question = services.find_question(event_session, question_id)
    messages = {"approve": _("The question is approved: the room and the presenter see it."),
                "hide": _("The question is hidden."),
                "pin": _("The question is pinned at the top of the presenter's screen."),
                "unpin": _("The question is no longer pinned."),
                "answer": _("The question is marked answered."),
                "unanswer": _("The question is open again.")}
    return button_action(lambda: services.moderate(question, action, actor=current_user, now=clock.now()),
                         message=messages[action],
                         next_url=url_for("qna.moderation", slug=slug, session_id=session_id) + f"#q-{question_id}")


PRESENTER = (Permission.view, Permission.door)  # whoever runs the room's screen; moderating takes manage


@bp.route("/organizer/events/<slug>/sessions/<id:session_id>/presenter")
@staff_required
def presenter(slug, session_id):
    event = event_for(slug, PRESENTER)
    event_session = _session_of(event.id, session_id)
    return render_template("qna/presenter.html", event=event, session=event_session,
                           questions=services.approved_questions(event_session.id),
                           poll_seconds=current_app.config["QNA_POLL_SECONDS"],
                           room_url=external_url("qna.room", slug=slug, session_id=session_id))


@bp.route("/organizer/events/<slug>/sessions/<id:session_id>/presenter.json")
@staff_required
def presenter_board(slug, session_id):
    event = event_for(slug, PRESENTER)
    entry = services.board(session_id)
    if entry is not None and entry["event_id"] != event.id:
        abort(404)
    return _board_response(entry)
