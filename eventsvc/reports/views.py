"""The summary report: the organizer's page and downloads, publishing the final version, the public download."""
from flask import Blueprint, current_app, Response, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..access import Permission, caller, event_for, public_event, staff_required
from ..errors import ValidationFailed
from ..extensions import db, limiter
from ..forms_common import apply_field_errors, button_action
from ..teams.services import can
from . import services
from .forms import SummaryUploadForm

bp = Blueprint("reports", __name__)

# Building a report takes a second or more: one count for the page downloads, the API and publishing it.
limit_builds = limiter.shared_limit(lambda: current_app.config["RATELIMIT_REPORT"], scope="report",
                                    methods=["GET", "POST"])


@bp.app_template_global()
def summary_deadline(event):
    """For the dashboard's and the back office's hooks: the deadline, the days left, the published summary."""
    return services.deadline_state(event, clock.now())


@bp.app_template_global()
def published_summary(event):
    """For the public event page's hook."""
    return services.summary_of(event)


def _page(event, form=None, status=200):
    may_manage = _may(event, Permission.manage)
    return render_template("reports/report.html", event=event, report=services.build(event),
                           state=services.deadline_state(event, clock.now()), may_manage=may_manage,
                           form=form or SummaryUploadForm(formdata=None)), status


def _may(event, permission):
    return can(caller(), event, permission)


@bp.route("/organizer/events/<slug>/report")
@staff_required
def report(slug):
    return _page(event_for(slug, Permission.view, with_sessions=True))


@bp.route("/organizer/events/<slug>/report.<any(pdf, docx):kind>")
@staff_required
@limit_builds
def download(slug, kind):
    event = event_for(slug, Permission.view, with_sessions=True)
    content = services.download(event, kind, actor=current_user)
    db.session.commit()
    return _file_response(content, kind, services.filename(event, kind))


def _file_response(content, kind, filename):
    response = Response(content, mimetype=services.KINDS[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/organizer/events/<slug>/report/upload", methods=["POST"])
@staff_required
def upload(slug):
    event = event_for(slug, Permission.manage, with_sessions=True)
    form = SummaryUploadForm()
    if form.validate_on_submit():
        try:
            services.publish_upload(event, form.file.data, actor=current_user)
        except ValidationFailed as error:
            db.session.rollback()
            apply_field_errors(form, error.fields, default_field=form.file)
        else:
            db.session.commit()
            flash(_("The summary is published on the event page."), "success")
            return redirect(url_for("reports.report", slug=slug))
    return _page(event, form=form, status=422)


@bp.route("/organizer/events/<slug>/report/publish", methods=["POST"])
@staff_required
@limit_builds
def publish_generated(slug):
    event = event_for(slug, Permission.manage, with_sessions=True)
    return button_action(lambda: services.publish_generated(event, actor=current_user),
                         message=_("The report as it is now is published on the event page."),
                         next_url=url_for("reports.report", slug=slug))


@bp.route("/organizer/events/<slug>/report/withdraw", methods=["POST"])
@staff_required
def withdraw(slug):
    event = event_for(slug, Permission.manage)
    return button_action(lambda: services.withdraw(event, actor=current_user),
                         message=_("The summary is no longer on the event page."),
                         next_url=url_for("reports.report", slug=slug))


@bp.route("/events/<slug>/summary")
@bp.route("/events/<slug>/summary/<path:filename>")
def public_summary(slug, filename=None):
    """One address per event for whatever summary is published now (404 once withdrawn).

    The older form /events/<slug>/summary/<file name> (shared before) redirects to it.
    """
    event = public_event(slug)
    if filename is not None:
        return redirect(url_for("reports.public_summary", slug=event.slug), 301)
    summary = services.summary_of(event)
    if summary is None:
        abort(404)
    path = services.summary_path(summary)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=summary.content_type, as_attachment=True,
                         download_name=services.public_filename(event, summary))
    response.headers["Cache-Control"] = "no-cache"  # replaced or withdrawn: the next download sees it
    return response
