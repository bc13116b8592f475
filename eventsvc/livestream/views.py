"""The registrant's stable join link: it records online attendance and leads to the stream, or says when it opens."""
from flask import Blueprint, abort, redirect, render_template

from .. import clock
from ..events.models import EventSession
from ..extensions import db, write_transactions
from ..registration.personal_links import registration_by_token_or_404
from . import services

bp = Blueprint("livestream", __name__)

GONE = {"event_cancelled", "session_cancelled"}


@bp.route("/my/<token>/sessions/<id:session_id>/join")
def join(token, session_id):
    # A GET that writes (the attendance): on SQLite it takes the write lock from its first statement.
    with write_transactions():
        registration = registration_by_token_or_404(token)
        session = db.session.get(EventSession, session_id)
        if session is None:
            abort(404)
        try:
            outcome = services.join(registration, session, clock.now())
        except services.JoinRefused as refused:
            db.session.rollback()
            # Gone for good when the organizer cancelled it (the page says why).
            status = 410 if refused.reason in GONE else 403
            return render_template("livestream/join.html", registration=registration, event=registration.event,
                                   session=session, token=token, refusal=refused), status
        db.session.commit()
    if outcome.state == services.StreamState.live and outcome.target:
        return redirect(outcome.target, code=302)
    if outcome.state == services.StreamState.ended and outcome.target:
        return redirect(outcome.target, code=302)
    return render_template("livestream/join.html", registration=registration, event=registration.event,
                           session=session, token=token, outcome=outcome)
