"""One certificate per registration: its random id (the verify code is that id and its signature), and when it was issued.

The row holds no name: the certificate reads it from the registration, so an
erasure takes the name off the certificate too while the row stays and the
verify page can say that a certificate was issued.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import UTCDateTime, utcnow
from .codes import code_for


class Certificate(db.Model):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One certificate per person and event: two downloads at once make one row (the second reads it back).
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registrations.id"), unique=True)
    # 128 random bits, unpadded base64url (codes.py); the signature is computed, never stored.
    code_id: Mapped[str] = mapped_column(sa.String(22), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration = relationship("Registration")

    @property
    def code(self):
        return code_for(self.code_id)
