"""QR images of ticket URLs, PNG (mail, download) and SVG (pages), made once and kept in the instance folder.

Drawing a QR code costs 13–24 ms of CPU: never in the registration request.
It is made the first time someone asks for it (the page, the mail worker)
and read from disk afterwards. The file is named by a hash of what it
encodes, so a changed EVENTSVC_BASE_URL simply makes new files.
"""
import hashlib
import io
import os
from pathlib import Path

import qrcode
import qrcode.image.pure
import qrcode.image.svg
from flask import current_app

KINDS = {
    "png": ("image/png", qrcode.image.pure.PyPNGImage),
    "svg": ("image/svg+xml", qrcode.image.svg.SvgPathImage),
}


def _folder():
    folder = Path(current_app.instance_path) / "qr"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def draw(text, kind):
    """The image bytes, drawn now (the expensive part)."""
    # M: survives a smudge or a cracked phone screen (15% of the code), still a small code.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4,
                         image_factory=KINDS[kind][1])
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()


def image(text, kind):
    """(bytes, mimetype) of the QR code for `text`, from the cache when it was drawn before."""
    mimetype = KINDS[kind][0]
    path = _folder() / f"{hashlib.sha256(f'{kind}:{text}'.encode()).hexdigest()[:40]}.{kind}"
    try:
        return path.read_bytes(), mimetype
    except FileNotFoundError:
        pass
    data = draw(text, kind)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)  # two workers drawing at once both write whole files
    return data, mimetype
