"""The summary report: its downloads (audited), its deadline, and the final version published on the event page."""
import secrets
import zipfile
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import clock, timefmt
from ..audit.services import record, record_export
from ..comments.period import comment_period
from ..errors import ValidationFailed
from ..events.services import attachments_folder
from ..extensions import db
from ..templating import current_locale
from . import data, documents
from .models import EventSummary, SummarySource

KINDS = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


# ---- the report, made from the data ----------------------------------------------------------

def build(event):
    return data.build(event)


def download(event, kind, actor):
    """The report's bytes as `kind` (pdf or docx), built now; the download recorded like any export."""
    record_export(f"report_{kind}", actor=actor, event=event)
    report = data.build(event)
    return documents.pdf(report) if kind == "pdf" else documents.docx(report)


def filename(event, kind):
    return f"summary-{event.slug}.{kind}"


def public_filename(event, summary):
    """The published summary's download name: made from the event, never from the file the organizer uploaded."""
    return filename(event, "pdf" if summary.content_type == KINDS["pdf"] else "docx")


# ---- the deadline ------------------------------------------------------------------------------

def publishable_from(event):
    """The later of the hearing's end and the comment period's end: a final summary is published only after it.

    None when the event has neither (no sessions and never published): nothing to wait for.
    """
    ends = [moment for moment in (event.ends_at, comment_period(event)[1]) if moment is not None]
    return max(ends) if ends else None


def _refuse_while_running(event):
    """The hearing still runs (sessions ahead or comments open): a final summary would miss what comes after."""
    ends = publishable_from(event)
    if ends is not None and clock.now() < ends:
        raise ValidationFailed(fields={"file": [_l(
            "The hearing is not over: the final summary can be published from %(when)s, after the last session "
            "and the end of the comment period. You may download the report at any time.",
            when=timefmt.format_datetime(ends, current_locale()))]})


def deadline(event):
    """EVENTSVC_SUMMARY_DEADLINE_DAYS after the end of the hearing or of the comment period, whichever is later.

    None when the event has neither (no sessions and never published).
    """
    ends = [moment for moment in (event.ends_at, comment_period(event)[1]) if moment is not None]
    if not ends:
        return None
    return max(ends) + timedelta(days=current_app.config["SUMMARY_DEADLINE_DAYS"])


def deadline_state(event, now):
    """{"deadline", "days_left", "days_late" (whole days in Bangkok), "overdue", "summary"}.

    Overdue once the deadline's moment has passed and nothing is published; `days_left` counts calendar days
    in Bangkok (0: due today).
    """
    summary = summary_of(event)
    due = deadline(event)
    state = {"deadline": due, "summary": summary, "days_left": None, "days_late": 0, "overdue": False,
             "hearing_over": due is not None and now >= publishable_from(event)}
    if due is not None:
        days = (timefmt.to_local(due).date() - timefmt.to_local(now).date()).days
        state.update(days_left=max(days, 0), days_late=max(-days, 0), overdue=summary is None and now >= due)
    return state


# ---- the published summary -------------------------------------------------------------------

def summary_of(event):
    return db.session.get(EventSummary, event.id)


def summary_path(summary):
    return attachments_folder() / summary.stored_name


def _delete_after_commit(path):
    db.session.info.setdefault("summary_files_to_delete", []).append(path)


def _listen():
    """Old files go once the transaction that replaced them committed; new ones go if it rolled back."""
    from sqlalchemy.orm import Session

    @sa.event.listens_for(Session, "after_commit")
    def _after_commit(session):
        for path in session.info.pop("summary_files_to_delete", []):
            Path(path).unlink(missing_ok=True)
        session.info.pop("summary_files_written", None)

    @sa.event.listens_for(Session, "after_soft_rollback")
    def _after_rollback(session, previous_transaction):
        for path in session.info.pop("summary_files_written", []):
            Path(path).unlink(missing_ok=True)
        session.info.pop("summary_files_to_delete", None)


_listen()


def _store(event, content, extension, source, original, actor):
    stored_name = secrets.token_hex(16) + "." + extension
    path = attachments_folder() / stored_name
    path.write_bytes(content)
    db.session.info.setdefault("summary_files_written", []).append(path)
    old = summary_of(event)
    replaced = old is not None
    if old is not None:
        _delete_after_commit(summary_path(old))
        db.session.delete(old)
        db.session.flush()
    summary = EventSummary(event_id=event.id, source=source, filename=original[:255], stored_name=stored_name,
                           content_type=KINDS[extension], size=len(content),
                           published_by_id=getattr(actor, "id", None))
    db.session.add(summary)
    db.session.flush()
    record("document.summary_published", actor=actor, event=event, source=source.value, kind=extension,
           size=len(content), replaced=replaced)
    return summary


def _looks_like(extension, content):
    if extension == "pdf":
        return content.startswith(b"%PDF-")
    try:
        import io

        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def publish_upload(event, upload, actor=None):
    """The agency's final version (a PDF or a DOCX, up to the documents' size limit) on the event page."""
    original = Path((getattr(upload, "filename", "") or "").replace("\\", "/")).name.strip()
    extension = Path(original).suffix.lower().lstrip(".")
    _refuse_while_running(event)
    if upload is None or not original:
        raise ValidationFailed(fields={"file": [_l("Choose a PDF or DOCX file.")]})
    if extension not in KINDS:
        raise ValidationFailed(fields={"file": [_l("The summary must be a PDF or a DOCX file.")]})
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    content = upload.stream.read(limit + 1)
    if not content:
        raise ValidationFailed(fields={"file": [_l("The file is empty.")]})
    if len(content) > limit:
        raise ValidationFailed(fields={"file": [_l("The file is larger than %(mb)s MB.", mb=limit // (1024 * 1024))]})
    if not _looks_like(extension, content):
        raise ValidationFailed(fields={"file": [_l("This file is not a real %(kind)s file.", kind=extension.upper())]})
    return _store(event, content, extension, SummarySource.uploaded, original, actor)


def publish_generated(event, actor=None):
    """The report's PDF as it is now, stored: later comments or check-ins do not change what was published."""
    _refuse_while_running(event)
    content = documents.pdf(data.build(event))
    return _store(event, content, "pdf", SummarySource.generated, filename(event, "pdf"), actor)


def withdraw(event, actor=None):
    summary = summary_of(event)
    if summary is None:
        raise ValidationFailed(fields={"file": [_l("No summary is published.")]})
    _delete_after_commit(summary_path(summary))
    record("document.summary_withdrawn", actor=actor, event=event, source=summary.source.value)
    db.session.delete(summary)
    db.session.flush()
