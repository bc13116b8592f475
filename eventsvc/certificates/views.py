"""The registrant's certificate (/my/<token>/certificate.pdf), the organizer's copy of it, and /verify/<code> for anyone."""
from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from ..access import Permission, event_for, staff_required
from ..audit.services import REGISTRANT, record_export
from ..extensions import db, write_transactions
from ..headers import personal
from ..registration import management
from ..registration.personal_links import registration_by_token_or_404
from . import codes, limits, services

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
        try:
            certificate = services.issue(registration, actor=REGISTRANT)
        except services.NotEligible as error:
            db.session.rollback()
            # Not yet (or not at all): the way back is the person's own page, not the list of events.
            return render_template("certificates/not_available.html", message=error.message, token=token), 404
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


@bp.route("/verify")
@personal  # shows a person's name
def verify_form():
    """A field to type the code of a paper certificate (GET ?code=…); the answer as at /verify/<code>."""
    code = request.args.get("code")
    if code is None:
        return render_template("certificates/verify.html", asking=True, typed="")
    if not (codes.normalise(code) or ""):
        return render_template("certificates/verify.html", asking=True, typed="", empty=True), 400
    return _verdict(code)


@bp.route("/verify/<code>")
@personal  # shows a person's name
def verify(code):
    return _verdict(code)


def _verdict(code):
    limits.test()
    try:
        certificate = services.certificate_for_code(code)
    except services.CertificateInvalid:
        limits.wrong()
        return render_template("certificates/verify.html", certificate=None,
                               typed=code if len(code) <= codes.TYPED_MAX and code.isprintable() else ""), 404
    registration = certificate.registration
    return render_template("certificates/verify.html", certificate=certificate, registration=registration,
                           event=registration.event, sessions=services.attended(registration))


@bp.app_template_global()
def certificate_state(registration):
    """For the /my page's hook: "available", "after_session" or None (services.state)."""
    return services.state(registration)
