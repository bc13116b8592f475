"""PDF documents drawn from HTML by WeasyPrint (Pango shapes Thai: words broken by libthai, marks in place).

The fonts come from the system: Debian's fonts-arundina first (its glyphs map
back to the right text, so a PDF can be searched and read back), then the
TLWG fonts. Only the app's own static files are ever fetched (a logo, a
stylesheet): a document never reaches out to the network.

Sara am (ำ) is written as its two parts, nikhahit and sara aa (ํา), its
compatibility decomposition: the shaper draws it as those two glyphs anyway,
and a PDF maps each glyph back to one text, so a whole ำ would give every
later า of the document back as ำ (สำนักงาน read back as สำนักงำน) to search,
copy and screen readers. The page looks the same; the text reads back equal
under NFKC.

WeasyPrint is imported when a PDF is made, not with the app: it loads Pango
through cffi, and a machine without Pango should still run everything else.
"""
import hashlib
import logging
import os
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

SARA_AM, NIKHAHIT, SARA_AA = "\u0e33", "\u0e4d", "\u0e32"
log = logging.getLogger(__name__)
CACHE_FILES = 200  # the most PDFs kept in instance/pdf-cache/ (the oldest go first)
THAI_FONTS = '"Arundina Sans", "Noto Sans Thai", "Garuda", "Loma", sans-serif'


def _static_fetcher():
    from weasyprint.urls import URLFetcher

    static = Path(current_app.static_folder).resolve()

    class StaticOnly(URLFetcher):
        """Files under static/ (and data: URLs, e.g. an inline QR code); anything else is refused."""

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data" or (
                    parts.scheme == "file" and Path(unquote(parts.path)).resolve().is_relative_to(static)):
                return super().fetch(url, headers)
            raise ValueError(f"not fetched: {url}")

    return StaticOnly(allowed_protocols=("file", "data"))


def render_pdf(html, same_as=None):
    """The PDF bytes of `html` (a full document; its CSS may use THAI_FONTS).

    `same_as`: a text that is equal whenever the document's content is (e.g. the same HTML without its
    "made at" time). The PDF is then drawn once and kept under instance/pdf-cache/: a long report is
    drawn again only when something in it changed. The cache is a convenience: when it cannot be read
    or written, the PDF is drawn and nothing else happens.
    """
    from weasyprint import HTML

    cached = _cache_path(same_as) if same_as is not None else None
    if cached is not None:
        try:
            return cached.read_bytes()
        except OSError:
            pass
    html = html.replace(SARA_AM, NIKHAHIT + SARA_AA)
    # Tagged (headings, paragraphs, tables in the PDF's structure): screen readers read a government document too.
    pdf = HTML(string=html, base_url=current_app.static_folder + "/",
               url_fetcher=_static_fetcher()).write_pdf(pdf_tags=True)
    if cached is not None:
        _keep(cached, pdf)
    return pdf


def _cache_path(same_as):
    return Path(current_app.instance_path) / "pdf-cache" / (hashlib.sha256(same_as.encode()).hexdigest() + ".pdf")


def _keep(path, pdf):
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as out:
            temporary = out.name
            out.write(pdf)
        os.replace(temporary, path)
        kept = sorted(path.parent.glob("*.pdf"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-CACHE_FILES]:
            old.unlink(missing_ok=True)
    except OSError as error:
        log.warning("PDF cache not written (%s): the PDF is served all the same", error)
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
