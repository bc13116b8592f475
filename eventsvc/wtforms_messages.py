"""WTForms' own messages, through the app's Babel catalog (WTForms ships no Thai).

The list below exists so that `pybabel extract` puts these msgids into
translations/; the forms get them through AppForm.Meta.get_translations.
"""
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

MESSAGES = (
    _l("This field is required."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    lazy_ngettext("'%(value)s' is not a valid choice for this field.",
                  "'%(value)s' are not valid choices for this field.", 1),
    lazy_ngettext("Field must be at least %(min)d character long.",
                  "Field must be at least %(min)d characters long.", 1),
    lazy_ngettext("Field cannot be longer than %(max)d character.",
                  "Field cannot be longer than %(max)d characters.", 1),
    lazy_ngettext("Field must be exactly %(max)d character long.",
                  "Field must be exactly %(max)d characters long.", 1),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Not a valid integer value."),
    _l("Not a valid datetime value."),
    _l("Invalid email address."),
)


class AppTranslations:
    """The gettext/ngettext that WTForms asks for, unformatted (WTForms fills in the values)."""

    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


translations = AppTranslations()
