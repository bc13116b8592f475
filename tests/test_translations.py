"""The message catalogs: every source string is in them, translated, and compiled.

When one of these fails after you added or changed a user-facing string:
run scripts/translations.sh, translate what it lists in
translations/<locale>/LC_MESSAGES/messages.po, and run the script again.
"""
import ast
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "translations"
# The same keywords as scripts/translations.sh (babel.cfg lists them too).
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2"])}
LOCALES = sorted(po.parents[1].name for po in CATALOGS.glob("*/LC_MESSAGES/messages.po"))

# A %-placeholder, as Python's %-formatting reads it (and "%%").
PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])")


def _key(message_id, context=None):
    return (message_id[0] if isinstance(message_id, (tuple, list)) else message_id, context)


def _text(message_id):
    return message_id[0] if isinstance(message_id, (tuple, list)) else message_id


def _where(message):
    return ", ".join(sorted({filename for filename, _ in message.locations})) or "?"


@pytest.fixture(scope="module")
def extraction():
    """What pybabel extracts with babel.cfg: ({(msgid, context): [file:line, ...]}, [python files])."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, str(ROOT / "babel.cfg"))
    found, python_files = {}, []

    def seen(filename, method, options):
        if method == "python":
            python_files.append(filename)

    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, callback=seen
    ):
        found.setdefault(_key(message, context), []).append(f"{filename}:{lineno}")
    return found, python_files


@pytest.fixture(scope="module")
def source_messages(extraction):
    return extraction[0]


def _literal_gettext_calls(path):
    """(msgid, context, line) of every keyword call with literal strings, found by the AST (which sees into f-strings)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS):
            continue
        spec = KEYWORDS[node.func.id]
        if isinstance(spec, dict):  # specs by number of arguments
            spec = spec.get(len(node.args)) or spec.get(None)
        positions = [1] if spec is None else [p for p in spec if isinstance(p, int)]
        context_at = next((p[0] for p in (spec or ()) if isinstance(p, tuple)), None)
        wanted = [positions[0]] + ([context_at] if context_at else [])
        args = node.args
        if not all(len(args) >= i and isinstance(args[i - 1], ast.Constant) and isinstance(args[i - 1].value, str)
                   for i in wanted):
            continue  # a variable: translated at run time, nothing to extract
        context = args[context_at - 1].value if context_at else None
        yield args[positions[0] - 1].value, context, node.lineno


@pytest.fixture(scope="module", params=LOCALES)
def locale(request):
    return request.param


@pytest.fixture(scope="module")
def catalog(locale):
    with open(CATALOGS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def test_thai_catalog_exists():
    assert "th" in LOCALES, "translations/th/LC_MESSAGES/messages.po is missing: run scripts/translations.sh"


def test_extraction_finds_python_and_template_strings(source_messages):
    """Guards the extraction itself: a broken babel.cfg pattern would otherwise make the next test pass vacuously."""
    files = {where.split(":")[0] for places in source_messages.values() for where in places}
    assert any(f.startswith("eventsvc/") for f in files), files
    assert any(f.startswith("templates/") for f in files), files


def test_every_gettext_call_is_extracted(extraction):
    """A call pybabel cannot see never reaches the catalog, and shows English to everyone.

    On Python 3.11 the tokenizer hands Babel an f-string as one opaque string,
    so f"{_('...')}" is not extracted: translate into a variable first.
    """
    found, python_files = extraction
    unseen = [
        f"{filename}:{line}: {msgid!r}"
        for filename in python_files
        for msgid, context, line in _literal_gettext_calls(ROOT / filename)
        if (msgid, context) not in found
    ]
    assert not unseen, (
        "gettext calls that pybabel does not extract (inside an f-string?); "
        "move the call out, e.g. moved = _('...', n=n); f\"{text} {moved}\":\n" + "\n".join(unseen)
    )


def test_every_source_string_is_in_the_catalog(source_messages, catalog, locale):
    missing = [
        f"{msgid!r}  ({', '.join(places)})"
        for (msgid, context), places in source_messages.items()
        if catalog.get(msgid, context) is None
    ]
    assert not missing, (
        f"{len(missing)} source string(s) missing from translations/{locale}/LC_MESSAGES/messages.po "
        "(run scripts/translations.sh, then translate them):\n" + "\n".join(missing)
    )


def test_every_message_is_translated_and_none_is_fuzzy(catalog, locale):
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        if not all(s and s.strip() for s in strings):
            untranslated.append(f"{_text(message.id)!r}  ({_where(message)})")
        elif message.fuzzy:
            fuzzy.append(f"{_text(message.id)!r}  ({_where(message)})")
    assert not untranslated, f"{len(untranslated)} untranslated in {locale}:\n" + "\n".join(untranslated)
    assert not fuzzy, (
        f"{len(fuzzy)} fuzzy in {locale} (check the suggestion, then delete the '#, fuzzy' line):\n" + "\n".join(fuzzy)
    )
    assert not catalog.fuzzy, "the catalog header is marked fuzzy: pybabel compile would skip the whole catalog"


def test_translations_keep_the_placeholders(catalog, locale):
    """%(n)d stays %(n)d; no stray '%' (templates %-format every string, even without arguments)."""
    problems = [f"{_text(m.id)!r}: {error}" for m, errors in catalog.check() for error in errors]
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else [message.id]
        strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        expected = Counter((m["name"], m["type"]) for m in PLACEHOLDER.finditer(ids[-1]))
        for string in strings:
            if not string:
                continue
            got = Counter((m["name"], m["type"]) for m in PLACEHOLDER.finditer(string))
            # Plural forms may leave out the count (e.g. "one file"), but add nothing.
            if got != expected and not (len(ids) > 1 and not got - expected):
                problems.append(f"{_text(message.id)!r}: placeholders {sorted(got)} instead of {sorted(expected)}")
            if "%" in PLACEHOLDER.sub("", string):
                problems.append(f"{_text(message.id)!r}: a lone '%' in {string!r} (write '%%')")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


def test_compiled_catalog_is_up_to_date(catalog, locale):
    """The committed .mo holds exactly what compiling the .po gives (run scripts/translations.sh if not)."""
    mo_path = CATALOGS / locale / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), f"{mo_path.relative_to(ROOT)} is missing: run scripts/translations.sh"
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # as pybabel compile does: fuzzy entries left out
    buffer.seek(0)
    expected = read_mo(buffer)
    with open(mo_path, "rb") as f:
        committed = read_mo(f)

    def contents(mo):
        return {_key(m.id, m.context): m.string for m in mo if m.id}

    want, have = contents(expected), contents(committed)
    stale = sorted(
        [f"missing: {k[0]!r}" for k in want.keys() - have.keys()]
        + [f"obsolete: {k[0]!r}" for k in have.keys() - want.keys()]
        + [f"changed: {k[0]!r}" for k in want.keys() & have.keys() if want[k] != have[k]]
    )
    assert not stale, f"{mo_path.relative_to(ROOT)} is out of date; run scripts/translations.sh:\n" + "\n".join(stale)
    headers = ("Plural-Forms", "Content-Type")
    assert [dict(expected.mime_headers).get(h) for h in headers] == [dict(committed.mime_headers).get(h) for h in headers]
