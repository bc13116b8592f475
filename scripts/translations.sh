#!/usr/bin/env bash
# Re-extract the English source strings, update the Thai catalog (keeping every
# existing translation), compile it, and say what is left to translate.
#
#   scripts/translations.sh
#
# Then translate the entries it lists in translations/th/LC_MESSAGES/messages.po
# (remove the "#, fuzzy" line once a suggested translation is checked), run it
# again to compile, and run: .venv/bin/python -m pytest -q tests/test_translations.py
#
# Environment:
#   PYTHON  the interpreter with Babel (default: .venv/bin/python, else python3)
#   POT     where to write the extracted template (default: a temporary file;
#           e.g. POT=translations/messages.pot to keep it)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-.venv/bin/python}
if [[ ! -x $PYTHON ]]; then
    PYTHON=$(command -v python3 || echo python3)
fi
if ! "$PYTHON" -c "import babel" 2>/dev/null; then
    echo "$0: $PYTHON cannot import babel; create .venv (pip install -r requirements.txt) or set PYTHON" >&2
    exit 1
fi
pybabel() { "$PYTHON" -m babel.messages.frontend -q "$@"; }

DIR=translations
LOCALES=(th)
# The same keywords are in babel.cfg (which the test reads); keep them in step.
KEYWORDS=(-k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2)

if [[ -n ${POT:-} ]]; then
    pot=$POT
else
    pot=$(mktemp "${TMPDIR:-/tmp}/eventsvc-messages.XXXXXX")
    trap 'rm -f "$pot"' EXIT
fi

# 1. Extract. Locations without line numbers, so that editing code does not
#    rewrite the catalog; "# TRANSLATORS: ..." comments reach the translator.
pybabel extract -F babel.cfg "${KEYWORDS[@]}" \
    --add-comments=TRANSLATORS: --add-location=file \
    --project=eventsvc --copyright-holder=eventsvc \
    -o "$pot" .

for locale in "${LOCALES[@]}"; do
    po=$DIR/$locale/LC_MESSAGES/messages.po
    # 2. Update (or create) the catalog. A changed string gets the translation
    #    of the most similar old one as a "fuzzy" suggestion. (No --previous:
    #    Babel reads "#|" lines back as translator comments and keeps them.)
    if [[ -f $po ]]; then
        pybabel update -i "$pot" -d "$DIR" -l "$locale" --ignore-pot-creation-date
    else
        pybabel init -i "$pot" -d "$DIR" -l "$locale"
    fi

    # A string that comes back (a revert, a branch merged in another order)
    # gets its own translation back from the obsolete "#~" entries, rather
    # than staying empty or taking a fuzzy guess from a similar string.
    "$PYTHON" - "$po" <<'EOF'
import sys
from babel.messages.pofile import read_po, write_po

path = sys.argv[1]
with open(path, "rb") as f:
    catalog = read_po(f)


def translated(message):
    strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
    return all(strings)


revived, changed = [], False
for key, old in list(catalog.obsolete.items()):
    message = catalog.get(old.id, old.context)
    if message is not None and message.id == old.id and translated(old):
        if not translated(message) or (message.fuzzy and not old.fuzzy):
            message.string = old.string
            message.flags = (set(message.flags) - {"fuzzy"}) | ({"fuzzy"} if old.fuzzy else set())
            revived.append(old.id)
    if message is not None or not translated(old):
        del catalog.obsolete[key]  # back in use, or nothing worth keeping
        changed = True
if changed:
    with open(path, "wb") as f:
        write_po(f, catalog, width=76)
if revived:
    print(f"{path}: {len(revived)} translation(s) restored from obsolete entries")
EOF

    # 3. Compile. Fuzzy entries are left out of the .mo (English is shown).
    pybabel compile -d "$DIR" -l "$locale"

    # 4. What is left to do.
    "$PYTHON" - "$po" <<'EOF'
import sys
from babel.messages.pofile import read_po

path = sys.argv[1]
with open(path, "rb") as f:
    catalog = read_po(f)


def translated(message):
    strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
    return all(s.strip() for s in strings)


messages = [m for m in catalog if m.id]
untranslated = [m for m in messages if not translated(m)]
fuzzy = [m for m in messages if m.fuzzy and translated(m)]
problems = [(m, e) for m, errors in catalog.check() for e in errors]


def show(m):
    where = ", ".join(sorted({f for f, _ in m.locations})) or "?"
    msgid = m.id[0] if isinstance(m.id, tuple) else m.id
    return f"    {msgid!r}  ({where})"


print(f"{path}: {len(messages)} messages, {len(untranslated)} untranslated, {len(fuzzy)} fuzzy,"
      f" {len(problems)} with placeholder errors")
for title, items in (("untranslated", untranslated), ("fuzzy (check, then remove the '#, fuzzy' line)", fuzzy)):
    if items:
        print(f"  {title}:")
        for m in items:
            print(show(m))
for m, error in problems:
    print(f"  placeholder error: {show(m).strip()}: {error}")
EOF
done
