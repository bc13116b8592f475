"""Comments on a hearing's draft: the period and who may comment, sections, writing, moderation, replies, personal data."""
import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse_many

from .. import clock
from ..audit.services import record
from ..emails import normalize_email
from ..errors import Conflict, NotFound, ValidationFailed
from ..events.models import Attachment
from ..extensions import db, limiter
from ..mail import services as mail
from ..registration.models import Registration, RegistrationStatus, Sector
from ..signals import personal_data_erased, personal_data_requested
from ..timefmt import iso
from ..tokens import digest, new_seed, token_for, well_formed
from .models import Comment, CommentAccess, CommentSettings, CommentStatus, Commenter, DocumentSection
from .period import comment_period, is_open, settings_of

SECTIONS_MAX = 100
HEADING_MAX = 300
NAME_MAX = 200
REASON_MAX = 1000
# The same text from the same person on the same place within this time is one comment (a double click, a retry).
DUPLICATE_WINDOW = timedelta(minutes=1)
PAGE_SIZE = 100
TOKEN_PURPOSE = "commenter"


# ---- text -----------------------------------------------------------------------------------

def _has_control_characters(text, multiline=False):
    allowed = "\n\r\t" if multiline else ""
    return any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in text)


def clean_text(value, field, errors, limit, *, multiline=False, required=False):
    """NFC text without control characters, at most `limit` characters; errors[field] set otherwise."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_l("Must be text.")]
        return ""
    if _has_control_characters(value, multiline):
        errors[field] = [_l("Control characters are not allowed.") if multiline
                         else _l("Line breaks and control characters are not allowed.")]
        return ""
    value = unicodedata.normalize("NFC", value)
    value = "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip() \
        if multiline else " ".join(value.split())
    if len(value) > limit:
        errors[field] = [_l("At most %(n)d characters (this one has %(m)d).", n=limit, m=len(value))]
    elif required and not value:
        errors[field] = [_l("This field is required.")]
    return value


def max_chars():
    return current_app.config["COMMENT_MAX_CHARS"]


# ---- settings and period --------------------------------------------------------------------

def period_state(event, now=None, settings=None):
    """'open', 'not_yet_open', 'closed' or 'not_set' (a draft with no date), with (opens, closes)."""
    now = now or clock.now()
    settings = settings or settings_of(event)
    opens, closes = comment_period(event, settings)
    if event.is_cancelled:
        return "closed", opens, closes
    if opens is None or (not event.is_published and now >= opens):
        return "not_set", opens, closes  # a draft: it opens for comments once published
    if now < opens:
        return "not_yet_open", opens, closes
    if is_open(event, now, settings):
        return "open", opens, closes
    return ("closed" if now >= closes else "not_yet_open"), opens, closes


def update_settings(event, data, actor=None):
    """The organizer's dates (None: the defaults) and who may comment; raises ValidationFailed, nothing written."""
    errors = {}
    opens, closes = data.get("opens_at"), data.get("closes_at")
    try:
        access = CommentAccess(data.get("access") or CommentAccess.registrants)
    except ValueError:
        errors["access"] = [_l("Not one of the allowed values.")]
        access = None
    if opens is not None and closes is not None and closes <= opens:
        errors["closes_at"] = [_l("The comment period must close after it opens.")]
    if errors:
        raise ValidationFailed(fields=errors)
    settings = db.session.get(CommentSettings, event.id)
    if settings is None:
        settings = CommentSettings(event_id=event.id)
        db.session.add(settings)
    before = (settings.opens_at, settings.closes_at, settings.access)
    settings.opens_at, settings.closes_at, settings.access = opens, closes, access
    db.session.flush()
    if before != (opens, closes, access):
        record("comment.settings_changed", actor=actor, event=event, access=access.value,
               opens_at=iso(opens), closes_at=iso(closes))
    return settings


# ---- sections -------------------------------------------------------------------------------

def documents_of(event):
    return db.session.scalars(sa.select(Attachment).where(Attachment.event_id == event.id)
                              .order_by(Attachment.position, Attachment.id)).all()


def sections_of(attachment):
    return db.session.scalars(sa.select(DocumentSection).where(DocumentSection.attachment_id == attachment.id)
                              .order_by(DocumentSection.position, DocumentSection.id)).all()


def _an_id(value):
    """An integer id as a database can hold it, or None (bools, huge numbers and other things are no id)."""
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        value = int(value)
    return value if type(value) is int and 0 < value < 2**31 else None


def document_of(event, attachment_id):
    attachment_id = _an_id(attachment_id)
    attachment = db.session.get(Attachment, attachment_id) if attachment_id is not None else None
    if attachment is None or attachment.event_id != event.id:
        return None
    return attachment


def set_sections(attachment, text, actor=None):
    """The document's sections as the organizer lists them, one heading a line, in that order.

    A heading kept (the same text) keeps its comments. A heading removed that
    has comments is refused: its comments would lose their place in the record.
    """
    errors = {}
    headings = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        heading = clean_text(line, "headings", errors, HEADING_MAX)
        if "headings" in errors:
            errors["headings"] = [_l("Line %(n)d: %(problem)s", n=number, problem=errors["headings"][0])]
            break
        if heading and heading in headings:
            errors["headings"] = [_l("Line %(n)d: the same heading is listed twice.", n=number)]
            break
        if heading:
            headings.append(heading)
    if not errors and len(headings) > SECTIONS_MAX:
        errors["headings"] = [_l("At most %(n)d sections.", n=SECTIONS_MAX)]
    if errors:
        raise ValidationFailed(fields=errors)
    current = {s.heading: s for s in sections_of(attachment)}
    removed = [s for heading, s in current.items() if heading not in headings]
    if removed:
        counts = dict(db.session.execute(
            sa.select(Comment.section_id, sa.func.count()).where(Comment.section_id.in_([s.id for s in removed]))
            .group_by(Comment.section_id)).all())
        kept = [s.heading for s in removed if counts.get(s.id)]
        if kept:
            raise ValidationFailed(fields={"headings": [_l(
                "These sections have comments and cannot be removed: %(headings)s. Keep their lines "
                "(you may move them).", headings=", ".join(kept))]})
        for section in removed:
            db.session.delete(section)
    for position, heading in enumerate(headings, start=1):
        section = current.get(heading)
        if section is None:
            db.session.add(DocumentSection(attachment_id=attachment.id, position=position, heading=heading))
        else:
            section.position = position
    db.session.flush()
    record("comment.sections_changed", actor=actor, event=attachment.event, target=attachment,
           sections=len(headings), removed=len(removed))
    return sections_of(attachment)


# ---- who comments ---------------------------------------------------------------------------

@dataclass
class Author:
    """A registration (through its personal link) or a commenter (a confirmed address)."""

    registration: Registration = None
    commenter: Commenter = None

    @property
    def event(self):
        return self.registration.event if self.registration is not None else self.commenter.event

    @property
    def name(self):
        return self.registration.full_name if self.registration is not None else self.commenter.name

    @property
    def sector(self):
        return self.registration.sector if self.registration is not None else self.commenter.sector

    def owns(self):
        if self.registration is not None:
            return Comment.registration_id == self.registration.id
        return Comment.commenter_id == self.commenter.id


def refusal(author, now=None):
    """Why this person may not comment now (a message), or None."""
    event = author.event
    if event.is_cancelled:
        return _l("The event is cancelled: it no longer takes comments.")
    if author.registration is not None:
        registration = author.registration
        if registration.erased_at is not None or registration.status == RegistrationStatus.cancelled:
            return _l("Your registration is cancelled: you can no longer comment.")
    else:
        commenter = author.commenter
        if commenter.erased_at is not None:
            return _l("This link no longer works.")
        if settings_of(event).access != CommentAccess.email:
            return _l("This event takes comments from its registrants only.")
    state, opens, closes = period_state(event, now)
    if state == "not_yet_open" or state == "not_set":
        return _l("The comment period has not opened yet.")
    if state == "closed":
        return _l("The comment period is closed.")
    return None


def _place(event, data, errors):
    """(attachment, section) named by document_id and section (a section's id, or its heading in that document)."""
    document_id, section = data.get("document_id"), data.get("section")
    attachment = None
    if document_id not in (None, ""):
        attachment = document_of(event, document_id)
        if attachment is None:
            errors["document_id"] = [_l("Not one of this event's documents.")]
            return None, None
    if section in (None, ""):
        return attachment, None
    found = None
    if _an_id(section) is not None:
        found = db.session.get(DocumentSection, _an_id(section))
    elif isinstance(section, str) and not section.isdigit():
        if attachment is None:
            errors["section"] = [_l("Give the document (document_id) of a section named by its heading.")]
            return None, None
        found = db.session.scalar(sa.select(DocumentSection).where(
            DocumentSection.attachment_id == attachment.id,
            DocumentSection.heading == " ".join(unicodedata.normalize("NFC", section).split())))
    if found is None or found.attachment.event_id != event.id or (attachment is not None
                                                                   and found.attachment_id != attachment.id):
        errors["section"] = [_l("Not one of the sections of this event's documents.")]
        return None, None
    return found.attachment, found


def _sector(value, default, errors):
    if value in (None, ""):
        return default
    try:
        return Sector(value)
    except ValueError:
        errors["sector"] = [_l("Not one of the allowed values.")]
        return None


@dataclass
class Posted:
    comment: Comment
    created: bool


def post_comment(author, data, actor, now=None):
    """A new comment, pending moderation. `data`: body, document_id, section, show_name (bool), name, sector.

    Raises Conflict (the period, a cancelled event or registration) or ValidationFailed; nothing written then.
    The same text on the same place by the same person within a minute is the comment already written.
    """
    now = now or clock.now()
    event = author.event
    reason = refusal(author, now)
    if reason is not None:
        raise Conflict(reason)
    errors = {}
    body = clean_text(data.get("body"), "body", errors, max_chars(), multiline=True, required=True)
    attachment, section = _place(event, data, errors)
    show_name = data.get("show_name", False)
    if not isinstance(show_name, bool):
        errors["show_name"] = [_l("Must be true or false.")]
    name = (author.name or "")[:NAME_MAX]
    if author.commenter is not None and show_name:
        name = clean_text(data.get("name") or author.commenter.name, "name", errors, NAME_MAX, required=True)
    sector = _sector(data.get("sector"), author.sector, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    place = (Comment.attachment_id == (attachment.id if attachment else None) if attachment
             else Comment.attachment_id.is_(None),
             Comment.section_id == section.id if section else Comment.section_id.is_(None))
    same = db.session.scalar(sa.select(Comment).where(author.owns(), Comment.event_id == event.id, Comment.body == body,
                                                      Comment.created_at >= now - DUPLICATE_WINDOW, *place)
                             .order_by(Comment.id.desc()).limit(1))
    if same is not None:
        return Posted(same, False)
    if author.commenter is not None:
        if show_name:
            author.commenter.name = name
        author.commenter.sector = sector
    comment = Comment(event_id=event.id, attachment_id=attachment.id if attachment else None,
                      section_id=section.id if section else None,
                      registration_id=author.registration.id if author.registration else None,
                      commenter_id=author.commenter.id if author.commenter else None,
                      body=body, display_name=name if show_name else "", sector=sector,
                      status=CommentStatus.pending, created_at=now)
    db.session.add(comment)
    db.session.flush()
    record("comment.posted", actor=actor, event=event, registration=author.registration, target=comment,
           document_id=comment.attachment_id, section_id=comment.section_id, named=bool(show_name),
           by="registrant" if author.registration else "commenter")
    return Posted(comment, True)


def comments_by(author):
    return db.session.scalars(sa.select(Comment).where(author.owns()).order_by(Comment.id)).all()


def has_comments(author):
    return db.session.scalar(sa.select(sa.exists().where(author.owns()))) or False


# ---- moderation -----------------------------------------------------------------------------

def comment_of(event, comment_id):
    comment = db.session.get(Comment, _an_id(comment_id)) if _an_id(comment_id) is not None else None
    if comment is None or comment.event_id != event.id:
        raise NotFound(_l("No such comment."))
    return comment


def publish(comment, actor, now=None):
    if comment.status != CommentStatus.published:
        comment.status, comment.hidden_reason = CommentStatus.published, ""
        comment.moderated_by_id = getattr(actor, "id", None)
        comment.moderated_at = now or clock.now()
        db.session.flush()
        record("comment.published", actor=actor, event=comment.event, target=comment)
    return comment


def hide(comment, reason, actor, now=None):
    """Hide a comment from the public page; the reason (required) is kept for the record, not shown publicly."""
    errors = {}
    reason = clean_text(reason, "reason", errors, REASON_MAX, multiline=True, required=True)
    if errors:
        raise ValidationFailed(fields=errors)
    comment.status, comment.hidden_reason = CommentStatus.hidden, reason
    comment.moderated_by_id = getattr(actor, "id", None)
    comment.moderated_at = now or clock.now()
    db.session.flush()
    record("comment.hidden", actor=actor, event=comment.event, target=comment)
    return comment


def reply(comment, body, actor, now=None):
    """The agency's reply (คำชี้แจง); written again, it replaces the previous one. Empty text removes it."""
    errors = {}
    body = clean_text(body, "body", errors, max_chars(), multiline=True)
    if errors:
        raise ValidationFailed(fields=errors)
    if body == comment.reply_body:
        return comment
    verb = "comment.reply_removed" if not body else ("comment.reply_edited" if comment.reply_body else "comment.replied")
    comment.reply_body = body
    comment.replied_by_id = getattr(actor, "id", None) if body else None
    comment.replied_at = (now or clock.now()) if body else None
    db.session.flush()
    record(verb, actor=actor, event=comment.event, target=comment)
    return comment


# ---- lists ----------------------------------------------------------------------------------

def organizer_query(event, status=None, attachment_id=None, section_id=None):
    query = sa.select(Comment).where(Comment.event_id == event.id)
    if status is not None:
        query = query.where(Comment.status == status)
    if attachment_id == 0:
        query = query.where(Comment.attachment_id.is_(None))
    elif attachment_id is not None:
        query = query.where(Comment.attachment_id == attachment_id)
    if section_id is not None:
        query = query.where(Comment.section_id == section_id)
    return query.order_by(Comment.id.desc())


def status_counts(event):
    rows = db.session.execute(sa.select(Comment.status, sa.func.count()).where(Comment.event_id == event.id)
                              .group_by(Comment.status)).all()
    counts = {status.value: 0 for status in CommentStatus}
    counts.update({str(status): n for status, n in rows})
    counts["all"] = sum(n for _s, n in rows)
    return counts


@dataclass
class Place:
    """A heading of the public page: the event as a whole, a document, or one section of a document."""

    attachment: Attachment = None
    section: DocumentSection = None
    count: int = 0

    @property
    def key(self):
        return (self.attachment.id if self.attachment else 0, self.section.id if self.section else 0)


def public_places(event, published_only=True):
    """Every place a comment can be on, in the page's order, with its count of published comments (one query);
    of all comments, whatever their status, for the organizer's list."""
    where = [Comment.event_id == event.id]
    if published_only:
        where.append(Comment.status == CommentStatus.published)
    counts = {(a or 0, s or 0): n for a, s, n in db.session.execute(
        sa.select(Comment.attachment_id, Comment.section_id, sa.func.count())
        .where(*where).group_by(Comment.attachment_id, Comment.section_id)).all()}
    documents = documents_of(event)
    sections = db.session.scalars(sa.select(DocumentSection).where(
        DocumentSection.attachment_id.in_([d.id for d in documents]))
        .order_by(DocumentSection.position, DocumentSection.id)).all() if documents else []
    places = [Place(None, None, counts.get((0, 0), 0))]
    for document in documents:
        places.append(Place(document, None, counts.get((document.id, 0), 0)))
        places.extend(Place(document, s, counts.get((document.id, s.id), 0))
                      for s in sections if s.attachment_id == document.id)
    return places


OVERVIEW_SIZE = 10


def public_comments(event, place, page, per_page=PAGE_SIZE):
    """One page of the published comments on one place (the event, a document or a section), oldest first.

    The count comes from `place` (public_places counted every place in one query): no COUNT per page.
    """
    place_key = place.key
    attachment_id, section_id = place_key
    query = sa.select(Comment).where(
        Comment.event_id == event.id, Comment.status == CommentStatus.published,
        Comment.attachment_id == attachment_id if attachment_id else Comment.attachment_id.is_(None),
        Comment.section_id == section_id if section_id else Comment.section_id.is_(None)).order_by(Comment.id)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False, count=False)
    pagination.total = place.count
    return pagination


# ---- commenters (CommentAccess.email) -------------------------------------------------------

def commenter_token(commenter):
    return token_for(TOKEN_PURPOSE, commenter.seed)


def find_commenter(token):
    if not well_formed(token):
        return None
    commenter = db.session.scalar(sa.select(Commenter).where(Commenter.token_hash == digest(token)))
    if commenter is None or commenter.erased_at is not None:
        return None
    return commenter


def takes_email_comments(event):
    return settings_of(event).access == CommentAccess.email and not event.is_cancelled


def may_mail_to(email_normalized):
    """Whether one more link may be mailed to this address (RATELIMIT_COMMENT_ACCESS per address); counts it."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    key = (current_app.config["RATELIMIT_KEY_PREFIX"], "comment-address",
           hashlib.sha256(email_normalized.encode()).hexdigest())
    try:
        return all(limiter.limiter.hit(limit, *key)
                   for limit in parse_many(current_app.config["RATELIMIT_COMMENT_ACCESS"]))
    except Exception:  # the storage is unreachable: mail rather than fail the page
        current_app.logger.warning("Rate-limit storage unreachable; comment links not counted")
        return True


def request_access(event, email, locale="th", now=None):
    """Mail a link to comment to this address, when the event takes comments by e-mail. Returns the commenter or None.

    The caller answers the same whatever happens: the answer tells no one whether an address is known.
    A new link kills the previous one.
    """
    if not takes_email_comments(event):
        return None
    email = (email or "").strip()
    normalized = normalize_email(email)
    if "@" not in normalized or len(email) > 254 or _has_control_characters(email):
        raise ValidationFailed(fields={"email": [_l("Not a valid e-mail address.")]})
    if not may_mail_to(normalized):
        return None
    commenter = db.session.scalar(sa.select(Commenter).where(Commenter.event_id == event.id,
                                                             Commenter.email_normalized == normalized))
    seed = new_seed()
    if commenter is None:
        commenter = Commenter(event_id=event.id, email=email, email_normalized=normalized, name="", seed=seed,
                              token_hash=digest(token_for(TOKEN_PURPOSE, seed)), created_at=now or clock.now())
        db.session.add(commenter)
    else:
        if commenter.erased_at is not None:
            commenter.erased_at, commenter.confirmed_at = None, None
        commenter.email, commenter.seed = email, seed
        commenter.token_hash = digest(token_for(TOKEN_PURPOSE, seed))
    db.session.flush()
    mail.enqueue("comment_link", to=email, locale=locale, event_id=event.id, params={"commenter_id": commenter.id})
    return commenter


def confirm(commenter, now=None):
    """The link was opened: the address is confirmed (once)."""
    if commenter.confirmed_at is None:
        commenter.confirmed_at = now or clock.now()
        db.session.flush()
        record("comment.address_confirmed", actor=None, event=commenter.event, target=commenter)
    return commenter


def _comment_data(comment):
    return {"id": comment.id, "body": comment.body, "status": comment.status.value,
            "document": comment.attachment.title if comment.attachment else None,
            "section": comment.section.heading if comment.section else None,
            "name_shown": comment.display_name, "sector": comment.sector.value if comment.sector else None,
            "written_at": iso(comment.created_at), "reply": comment.reply_body or None,
            "replied_at": iso(comment.replied_at)}


def commenter_data(commenter):
    return {"email": commenter.email, "name": commenter.name,
            "sector": commenter.sector.value if commenter.sector else None,
            "confirmed_at": iso(commenter.confirmed_at),
            "comments": [_comment_data(c) for c in comments_by(Author(commenter=commenter))]}


def erase_commenter(commenter, actor, now=None):
    """The commenter's address and name go, and the name on their comments; the texts stay, anonymous."""
    db.session.execute(sa.update(Comment).where(Comment.commenter_id == commenter.id).values(display_name="")
                       .execution_options(synchronize_session="fetch"))
    commenter.email, commenter.name, commenter.email_normalized = "", "", f"erased-{commenter.id}"
    commenter.seed, commenter.token_hash = None, f"erased-{commenter.id}"
    commenter.erased_at = now or clock.now()
    db.session.flush()
    record("comment.commenter_erased", actor=actor, event=commenter.event, target=commenter)


@personal_data_requested.connect
def personal_data(registration, **_):
    return "comments", [_comment_data(c) for c in comments_by(Author(registration=registration))]


@personal_data_erased.connect
def erase_personal_data(registration, **_):
    """The name shown on the person's comments goes; the texts stay, anonymous, in the hearing's record."""
    db.session.execute(sa.update(Comment).where(Comment.registration_id == registration.id).values(display_name="")
                       .execution_options(synchronize_session="fetch"))


def comments_for_report(event):
    """For the summary report: published comments grouped by document and section, with the agency's replies and the counts.

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
