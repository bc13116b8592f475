"""What the summary report says, read straight from the tables (one small function per section).

`comments_section`, `questions_section` and `survey_section` each read their
capability's tables in a few queries; the owning capabilities may later hand
in their own functions with the same shape.
"""
from collections import Counter

import sqlalchemy as sa
from flask import current_app

from ..attendees.services import attendance_report
from ..comments.models import Comment, CommentStatus, DocumentSection
from ..comments.period import comment_period
from ..events.models import Attachment, EventSession
from ..extensions import db
from ..qna.models import QuestionStatus, SessionQuestion
from ..registration.models import Registration
from ..surveys.models import Survey, SurveyResponse

SATISFIED = 4  # overall 4 or 5 of 5


def facts(event):
    """The event's facts, its announcement and its comment period."""
    opens, closes = comment_period(event)
    return {"event": event, "kind": event.kind.value, "published_at": event.published_at,
            "comments_open": opens, "comments_close": closes,
            "sessions": [s for s in event.sessions]}


def participation(event):
    """Per session registered / on site / online, and who registered by sector and organization."""
    return attendance_report(event)


def comments_section(event):
    """Published comments grouped by document and section, with the agency's replies and the counts.

    Groups: the event as a whole first, then each document in its order, its sections in theirs
    (comments on the document as a whole before its sections). Only published comments are shown;
    the counts of all received and of hidden ones say how many were not.
    """
    status_counts = dict(db.session.execute(
        sa.select(Comment.status, sa.func.count()).where(Comment.event_id == event.id).group_by(Comment.status)).all())
    rows = db.session.execute(
        sa.select(Comment.id, Comment.body, Comment.display_name, Comment.sector, Comment.created_at,
                  Comment.reply_body, Comment.replied_at, Comment.attachment_id, Attachment.title,
                  Attachment.position, Comment.section_id, DocumentSection.heading, DocumentSection.position)
        .outerjoin(Attachment, Attachment.id == Comment.attachment_id)
        .outerjoin(DocumentSection, DocumentSection.id == Comment.section_id)
        .where(Comment.event_id == event.id, Comment.status == CommentStatus.published)
        .order_by(sa.case((Comment.attachment_id.is_(None), 0), else_=1), Attachment.position, Attachment.id,
                  sa.case((Comment.section_id.is_(None), 0), else_=1), DocumentSection.position,
                  DocumentSection.id, Comment.created_at, Comment.id)).all()
    groups, current = [], None
    for (cid, body, name, sector, created, reply, replied, attachment_id, document, _dpos, section_id, heading,
         _spos) in rows:
        key = (attachment_id, section_id)
        if current is None or current["key"] != key:
            current = {"key": key, "document": document, "section": heading, "comments": [], "replies": 0}
            groups.append(current)
        current["comments"].append({"id": cid, "body": body, "name": name, "sector": sector.value if sector else None,
                                    "created_at": created, "reply": reply, "replied_at": replied})
        current["replies"] += 1 if reply else 0
    return {
        "groups": groups,
        "received": sum(status_counts.values()),
        "published": status_counts.get(CommentStatus.published, 0),
        "hidden": status_counts.get(CommentStatus.hidden, 0),
        "pending": status_counts.get(CommentStatus.pending, 0),
        "replied": sum(g["replies"] for g in groups),
    }


def questions_section(event):
    """Approved questions per session, most upvoted first, answered or not."""
    rows = db.session.execute(
        sa.select(SessionQuestion.session_id, SessionQuestion.body, SessionQuestion.display_name,
                  SessionQuestion.votes, SessionQuestion.answered_at)
        .join(EventSession, EventSession.id == SessionQuestion.session_id)
        .where(SessionQuestion.event_id == event.id, SessionQuestion.status == QuestionStatus.approved)
        .order_by(EventSession.starts_at, EventSession.id, SessionQuestion.votes.desc(), SessionQuestion.id)).all()
    names = {s.id: s for s in event.sessions}
    sessions, current = [], None
    for session_id, body, name, votes, answered_at in rows:
        if current is None or current["session"].id != session_id:
            current = {"session": names.get(session_id), "questions": []}
            sessions.append(current)
        current["questions"].append({"body": body, "name": name, "votes": votes, "answered": answered_at is not None})
    total = sum(len(s["questions"]) for s in sessions)
    answered = sum(q["answered"] for s in sessions for q in s["questions"])
    return {"sessions": sessions, "total": total, "answered": answered}


def _share(satisfied, total):
    return round(100 * satisfied / total, 1) if total else None


def survey_section(event):
    """The share satisfied (overall 4 or 5) against the target, in all, by sector and by on site / online."""
    survey = db.session.get(Survey, event.id)
    target = survey.target_percent if survey is not None else current_app.config["SATISFACTION_TARGET_PERCENT"]
    satisfied = sa.func.sum(sa.case((SurveyResponse.overall >= SATISFIED, 1), else_=0))
    base = (sa.select(sa.func.count(), satisfied).select_from(SurveyResponse)
            .where(SurveyResponse.event_id == event.id))
    total, happy = db.session.execute(base).one()
    happy = int(happy or 0)

    def breakdown(column, join=False):
        query = sa.select(column, sa.func.count(), satisfied).select_from(SurveyResponse)
        if join:
            query = query.join(Registration, Registration.id == SurveyResponse.registration_id)
        rows = db.session.execute(query.where(SurveyResponse.event_id == event.id).group_by(column)
                                  .order_by(sa.func.count().desc())).all()
        return [{"key": key.value if hasattr(key, "value") else key, "responses": n, "satisfied": int(s or 0),
                 "percent": _share(int(s or 0), n)} for key, n, s in rows]

    scores = Counter(dict(db.session.execute(
        sa.select(SurveyResponse.overall, sa.func.count()).where(SurveyResponse.event_id == event.id)
        .group_by(SurveyResponse.overall)).all()))
    percent = _share(happy, total)
    return {
        "asked": survey is not None, "target": target, "responses": total, "satisfied": happy, "percent": percent,
        "met": percent is not None and percent >= target,
        "scores": [{"score": n, "responses": scores.get(n, 0)} for n in range(5, 0, -1)],
        "by_sector": breakdown(Registration.sector, join=True),
        "by_mode": breakdown(SurveyResponse.mode),
    }


def build(event):
    """Everything the report shows, in one dict (the HTML page, the PDF and the DOCX read the same)."""
    return {"facts": facts(event), "participation": participation(event), "comments": comments_section(event),
            "questions": questions_section(event), "survey": survey_section(event)}
