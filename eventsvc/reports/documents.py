"""The report as a PDF (WeasyPrint: Thai shaped by Pango, fonts embedded) and as a DOCX (python-docx) to edit."""
import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from flask import render_template
from babel.numbers import format_decimal
from flask_babel import gettext as _, ngettext

from .. import clock, labels, timefmt
from ..pdf import THAI_FONTS, render_pdf
from ..events.venue import venue_line
from ..site.views import agency_name
from ..templating import current_locale

TITLE_TH = "สรุปผลการรับฟังความคิดเห็น"
# Word: the Thai government's standard font, then fonts that most machines have. Set for every script
# (w:ascii, w:hAnsi, w:eastAsia and w:cs, the complex-script font Word uses for Thai).
DOCX_FONT = "TH Sarabun New"
DOCX_SIZE = 16  # points: TH Sarabun's letters are small, 16 pt reads like 11 pt of a Latin font


def pdf(report):
    """The report as PDF: drawn again only when its content changed (the time it was made aside)."""
    same_content = render_template("reports/pdf.html", report=report, fonts=THAI_FONTS, made_at=None)
    html = render_template("reports/pdf.html", report=report, fonts=THAI_FONTS, made_at=clock.now())
    return render_pdf(html, same_as=same_content)


# ---- DOCX -----------------------------------------------------------------------------------

def _set_fonts(style, size=None, bold=None):
    style.font.name = DOCX_FONT
    if size:
        style.font.size = Pt(size)
    if bold is not None:
        style.font.bold = bold
        style.font.cs_bold = bold  # Word draws Thai bold from w:bCs, not w:b
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), DOCX_FONT)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    if size:  # the complex-script size, which Word uses for Thai: right after w:sz, as the schema orders them
        size_cs = rpr.find(qn("w:szCs"))
        if size_cs is None:
            size_cs = OxmlElement("w:szCs")
            rpr.find(qn("w:sz")).addnext(size_cs)
        size_cs.set(qn("w:val"), str(int(size * 2)))
    lang = rpr.find(qn("w:lang"))
    if lang is None:  # w:lang comes after every child set above
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:bidi"), "th-TH")


def _document():
    document = Document()
    for name, size, bold in (("Normal", DOCX_SIZE, None), ("Title", 26, True), ("Heading 1", 20, True),
                             ("Heading 2", 18, True), ("Heading 3", 16, True), ("Caption", 14, True)):
        _set_fonts(document.styles[name], size, bold)
    section = document.sections[0]
    section.page_height, section.page_width = 10692130, 7560310  # A4 in EMU
    return document


def _table(document, header, rows, caption=None):
    if caption:
        document.add_paragraph(caption, style="Caption")
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = run.font.cs_bold = True
    # The header row repeats on every page the table runs onto.
    row_pr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    row_pr.append(repeat)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            cell.text = "" if value is None else str(value)
    document.add_paragraph()
    return table


def docx(report):
    loc = current_locale()
    n = lambda value: format_decimal(value or 0, locale=loc)  # noqa: E731
    day = lambda value: timefmt.format_day(value, loc, weekday=False)  # noqa: E731
    when = lambda value: timefmt.format_datetime(value, loc)  # noqa: E731
    f, p, c, q, s = (report[k] for k in ("facts", "participation", "comments", "questions", "survey"))
    event = f["event"]

    def name_of(session):
        return session["name_en"] if loc == "en" and session["name_en"] else session["name_th"]

    document = _document()
    title = document.add_heading(TITLE_TH, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if loc == "en":
        document.add_paragraph(_("Summary of the public hearing")).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(event.title(loc)).alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(_("Made from the data on %(when)s", when=when(clock.now()))).alignment = \
        WD_ALIGN_PARAGRAPH.CENTER

    document.add_heading(_("1. The event"), level=1)
    opens, closes = f["comments_open"], f["comments_close"]
    _table(document, [_("Event"), event.title(loc)], [
        [_("Kind"), str(labels.label("kind", f["kind"]))],
        [_("Organized by"), event.organizer_name(loc) or agency_name(loc)],
        [_("Venue"), venue_line(event, loc) or "—"],
        [_("Announced on"), day(f["published_at"]) if f["published_at"] else _("Not announced")],
        [_("Comment period"), f"{when(opens)} – {when(closes)}" if opens else _("Not set")],
    ])
    if f["sessions"]:
        _table(document, [_("Session"), _("Date"), _("Time")], [
            [(session.name(loc) if hasattr(session, "name") else session.name_th)
             + (f" ({_('cancelled')})" if session.is_cancelled else ""),
             day(session.starts_at), timefmt.format_time_range(session.starts_at, session.ends_at, loc)]
            for session in f["sessions"]], caption=_("Sessions"))

    document.add_heading(_("2. Participation"), level=1)
    document.add_paragraph(f"{_('Registered (confirmed)')}: {n(p['registered'])} · "
                           f"{_('Took part (on site or online)')}: {n(p['took_part'])}")
    _table(document, [_("Session"), _("Registered"), _("On site"), _("Online")],
           [[name_of(row), n(row["registered"]), n(row["checked_in"]), n(row["joined_online"])]
            for row in p["sessions"]], caption=_("Per session"))
    _table(document, [_("Sector"), _("Registered"), _("Took part")],
           [[str(labels.label("sector", row["key"])), n(row["registered"]), n(row["took_part"])]
            for row in p["by_sector"]] or [[_("No one registered."), "", ""]], caption=_("By sector"))
    _table(document, [_("Organization"), _("Registered"), _("Took part")],
           [[row["key"] or _("No organization given"), n(row["registered"]), n(row["took_part"])]
            for row in p["by_organization"]] or [[_("No one registered."), "", ""]], caption=_("By organization"))

    document.add_heading(_("3. Comments and the agency's replies"), level=1)
    document.add_paragraph(_("Received: %(received)s · published: %(published)s · replied to: %(replied)s · "
                             "not published: %(hidden)s", received=n(c["received"]), published=n(c["published"]),
                             replied=n(c["replied"]), hidden=n(c["hidden"] + c["pending"])))
    for group in c["groups"]:
        heading = (group["document"] + (f" — {group['section']}" if group["section"] else "")
                   if group["document"] else _("The event as a whole"))
        count = ngettext("%(num)s comment", "%(num)s comments", len(group["comments"]))
        document.add_heading(f"{heading} ({count})", level=2)
        rows = []
        for index, comment in enumerate(group["comments"], 1):
            by = " · ".join(part for part in (
                comment["name"] or _("Anonymous"),
                str(labels.label("sector", comment["sector"])) if comment["sector"] else "",
                timefmt.format_short_day(comment["created_at"], loc)) if part)
            rows.append([str(index), f"{comment['body']}\n({by})", comment["reply"] or "—"])
        _table(document, ["#", _("Comment"), _("The agency's reply")], rows)
    if not c["groups"]:
        document.add_paragraph(_("No comment was published."))

    document.add_heading(_("4. Questions during the sessions"), level=1)
    document.add_paragraph(_("Questions shown: %(total)s · answered: %(answered)s", total=n(q["total"]),
                             answered=n(q["answered"])))
    for group in q["sessions"]:
        session = group["session"]
        _table(document, [_("Question"), _("Votes"), _("Answered")],
               [[question["body"], n(question["votes"]), _("Yes") if question["answered"] else _("No")]
                for question in group["questions"]], caption=session.name(loc) if session is not None else None)
    if not q["sessions"]:
        document.add_paragraph(_("No question was asked."))

    document.add_heading(_("5. Satisfaction"), level=1)
    if s["responses"]:
        document.add_paragraph(_("Satisfied (4 or 5 of 5): %(percent)s%% of %(responses)s answers; target "
                                 "%(target)s%%: %(verdict)s", percent=s["percent"], responses=n(s["responses"]),
                                 target=s["target"], verdict=_("met") if s["met"] else _("not met")))
        _table(document, [_("Sector"), _("Answers"), _("Satisfied")],
               [[str(labels.label("sector", row["key"])), n(row["responses"]), f"{row['percent']}%"]
                for row in s["by_sector"]], caption=_("By sector"))
        _table(document, [_("Way of taking part"), _("Answers"), _("Satisfied")],
               [[str(labels.label("attendance", row["key"])), n(row["responses"]), f"{row['percent']}%"]
                for row in s["by_mode"]], caption=_("On site or online"))
    else:
        document.add_paragraph(_("No survey answer was received (target %(target)s%%).", target=s["target"]))

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
