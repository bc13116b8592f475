"""API v1: the summary report of a hearing (สรุปผลการรับฟังความคิดเห็น) as PDF or DOCX, for the event's team."""
from flask import g

from ..access import Permission
from ..extensions import db
from ..reports import services
from ..reports.views import _file_response, limit_builds
from .views import _documented, _managed_event, _tag, blp, token_required


def _binary(kind):
    return {"200": {"description": f"the report as {kind.upper()}, made from the data now (Thai by default; "
                                   "`Accept-Language: en` for English)",
                    "content": {services.KINDS[kind]: {"schema": {"type": "string", "format": "binary"}}}}}


def _report(slug, kind):
    event = _managed_event(slug, Permission.view)
    content = services.download(event, kind, actor=g.api_user)
    db.session.commit()
    return _file_response(content, kind, services.filename(event, kind))


@blp.route("/events/<slug>/report.pdf")
@token_required
@limit_builds
@blp.doc(security=[{"bearer": []}], responses=_binary("pdf"))
@_documented(401, 403, 404)
@_tag("report")
def report_pdf(slug):
    """The summary report as PDF (A4, Thai fonts embedded): the event, participation, comments and replies,
    questions, satisfaction against its target. Viewers, organizers, the owner and admins; each download is
    in the audit trail."""
    return _report(slug, "pdf")


@blp.route("/events/<slug>/report.docx")
@token_required
@limit_builds
@blp.doc(security=[{"bearer": []}], responses=_binary("docx"))
@_documented(401, 403, 404)
@_tag("report")
def report_docx(slug):
    """The same report as DOCX, to edit in Word (TH Sarabun New set for Thai). Viewers, organizers, the owner
    and admins; each download is in the audit trail."""
    return _report(slug, "docx")
