"""The registrant's certificate (/my/<token>/certificate.pdf), the organizer's copy of it, and /verify/<code> for anyone."""
from flask import Blueprint, Response, render_template
from flask_login import current_user

from ..access import Permission, event_for, staff_required
from ..audit.services import REGISTRANT, record_export
from ..extensions import db, write_transactions
from ..headers import personal
from ..registration import management
from ..registration.personal_links import registration_by_token_or_404
from . import limits, services

bp = Blueprint("certificates", __name__)


def _pdf_response(certificate):
    response = Response(services.pdf(certificate), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{services.filename(certificate)}"'
    return response


@bp.route("/my/<token>/certificate.pdf")
def my_certificate(token):
    # A GET that may write the certificate's row: on SQLite it takes the write lock as it begins (else two
    # downloads at once would read, then fail to write); the PDF is drawn after the commit, lock released.
    with write_transactions():
        registration = registration_by_token_or_404(token)
        certificate = services.issue(registration, actor=REGISTRANT)
        db.session.commit()
    return _pdf_response(certificate)


@bp.route("/organizer/events/<slug>/registrations/<id:registration_id>/certificate.pdf")
@staff_required
def organizer_certificate(slug, registration_id):
    with write_transactions():
        event = event_for(slug, Permission.manage)
        registration = management.find_registration(event, registration_id)
        certificate = services.issue(registration, actor=current_user)
        # Someone else's name on a PDF leaves the system: a download of a registrant's data, as the exports are.
        record_export("certificate", actor=current_user, registration=registration)
        db.session.commit()
    return _pdf_response(certificate)


@bp.route("/verify/<code>")
@personal  # shows a person's name
def verify(code):
    limits.test()
    try:
        certificate = services.certificate_for_code(code)
    except services.CertificateInvalid:
        limits.wrong()
        return render_template("certificates/verify.html", certificate=None), 404
    registration = certificate.registration
    return render_template("certificates/verify.html", certificate=certificate, registration=registration,
                           event=registration.event, sessions=services.attended(registration))


@bp.app_template_global()
def certificate_state(registration):
    """For the /my page's hook: "available", "after_session" or None (services.state)."""
    return services.state(registration)
