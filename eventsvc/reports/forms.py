from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from ..forms_common import AppForm, REQUIRED


class SummaryUploadForm(AppForm):
    file = FileField(_l("The final summary (PDF or DOCX)"), validators=[FileRequired(REQUIRED)],
                     description=_l("It replaces the summary published now, if any."))
