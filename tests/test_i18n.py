"""Translations: the Dutch catalogue is complete and compiled, templates leave no English text
outside translate tags, and the language follows the visitor's choice.

The .po file is read by a small parser below, not by the gettext tools, so these tests run
wherever Python runs.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

BASE_DIR = Path(settings.BASE_DIR)
PO_FILE = BASE_DIR / "locale" / "nl" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
TEMPLATE_DIR = BASE_DIR / "templates"


# --- A small .po parser -----------------------------------------------------------------------


@dataclass
class PoEntry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def label(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def _unquote(quoted: str) -> str:
    if not (len(quoted) >= 2 and quoted[0] == quoted[-1] == '"'):
        raise ValueError(f"not a quoted .po string: {quoted!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), quoted[1:-1])


def parse_po(text: str) -> list[PoEntry]:
    """Entries of a .po file, header included; obsolete (#~) entries are left out."""
    entries: list[PoEntry] = []
    current: PoEntry | None = None
    pending_flags: set[str] = set()
    pending_line = 0
    # (entry, msgstr index or the keyword) the next continuation line belongs to
    target: tuple[str, int] | None = None

    def append(value: str) -> None:
        assert current is not None and target is not None
        kind, index = target
        if kind == "msgid":
            current.msgid += value
        elif kind == "msgid_plural":
            current.msgid_plural = (current.msgid_plural or "") + value
        elif kind == "msgctxt":
            current.msgctxt = (current.msgctxt or "") + value
        else:
            current.msgstr[index] += value

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            target = None
            continue
        if line.startswith("#,"):
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            pending_line = pending_line or number
            continue
        if line.startswith("#"):
            pending_line = pending_line or number
            continue
        if line.startswith('"'):
            if target is None:
                raise ValueError(f"line {number}: continuation without a keyword")
            append(_unquote(line))
            continue
        match = _KEYWORD.match(line)
        if match is None:
            raise ValueError(f"line {number}: cannot parse {raw!r}")
        keyword, index, quoted = match.group(1), match.group(2), match.group(3)
        value = _unquote(quoted)
        starts_entry = keyword == "msgctxt" or (
            keyword == "msgid" and (current is None or current.msgctxt is None or current.msgstr)
        )
        if starts_entry:
            current = PoEntry(msgid="", flags=pending_flags, line=pending_line or number)
            entries.append(current)
            pending_flags, pending_line = set(), 0
        assert current is not None
        if keyword == "msgctxt":
            current.msgctxt = value
            target = ("msgctxt", 0)
        elif keyword == "msgid":
            current.msgid = value
            target = ("msgid", 0)
        elif keyword == "msgid_plural":
            current.msgid_plural = value
            target = ("msgid_plural", 0)
        else:
            position = int(index) if index is not None else 0
            current.msgstr[position] = value
            target = ("msgstr", position)
    return entries


def header_fields(entries: list[PoEntry]) -> dict[str, str]:
    header = next(entry for entry in entries if entry.is_header)
    fields = {}
    for line in header.msgstr[0].splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields


@pytest.fixture(scope="module")
def po_entries() -> list[PoEntry]:
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(po_entries: list[PoEntry]) -> list[PoEntry]:
    return [entry for entry in po_entries if not entry.is_header]


def test_parser_reads_flags_context_plurals_and_continuations() -> None:
    sample = "\n".join(
        [
            'msgid ""',
            'msgstr ""',
            '"Language: nl\\n"',
            "",
            "#: a.py:1",
            "#, fuzzy, python-format",
            'msgid "%(n)d item"',
            'msgid_plural "%(n)d items"',
            'msgstr[0] "%(n)d ding"',
            'msgstr[1] ""',
            '"%(n)d "',
            '"dingen"',
            "",
            'msgctxt "month"',
            'msgid "May"',
            'msgstr "mei \\"kort\\""',
            "",
            '#~ msgid "Old"',
            '#~ msgstr "Oud"',
        ]
    )
    header, plural, contextual = parse_po(sample)
    assert header.is_header and header_fields([header]) == {"Language": "nl"}
    assert plural.flags == {"fuzzy", "python-format"}
    assert plural.msgid_plural == "%(n)d items"
    assert plural.msgstr == {0: "%(n)d ding", 1: "%(n)d dingen"}
    assert plural.line == 5
    assert contextual.msgctxt == "month"
    assert contextual.msgstr == {0: 'mei "kort"'}
    assert not contextual.flags


def test_po_header_declares_dutch_with_two_plural_forms(po_entries: list[PoEntry]) -> None:
    fields = header_fields(po_entries)
    assert fields["Language"] == "nl"
    assert fields["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    header = next(entry for entry in po_entries if entry.is_header)
    assert "fuzzy" not in header.flags


def test_catalogue_is_not_empty(messages: list[PoEntry]) -> None:
    # Guards the tests below against passing on a parser that reads nothing.
    assert len(messages) > 100
    assert any(entry.msgid_plural for entry in messages)


def test_every_entry_is_translated_in_every_form(messages: list[PoEntry]) -> None:
    untranslated = []
    for entry in messages:
        forms = 2 if entry.msgid_plural is not None else 1
        if sorted(entry.msgstr) != list(range(forms)):
            untranslated.append(f"{entry.label} has forms {sorted(entry.msgstr)}")
        elif not all(entry.msgstr[index].strip() for index in range(forms)):
            untranslated.append(entry.label)
    assert not untranslated, "untranslated:\n" + "\n".join(untranslated)


def test_no_entry_is_fuzzy(po_entries: list[PoEntry]) -> None:
    fuzzy = [entry.label for entry in po_entries if "fuzzy" in entry.flags]
    assert not fuzzy, "fuzzy:\n" + "\n".join(fuzzy)


_PERCENT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<type>[diouxXeEfFgGcrsa%])"
)
_NAMED = re.compile(r"%\((\w+)\)")
_BRACE = re.compile(r"(?<!\{)\{(\w*)(?:[!:][^{}]*)?\}(?!\})")


def placeholders(text: str, flags: set[str]) -> Counter[str]:
    """Named %(x)s placeholders always; positional %s and {x} when the entry is so flagged."""
    found: Counter[str] = Counter(f"%({name})" for name in _NAMED.findall(text))
    if "python-format" in flags:
        for match in _PERCENT.finditer(text):
            if match.group("name") is None and match.group("type") != "%":
                found[f"%{match.group('type')}"] += 1
    if "python-brace-format" in flags:
        found.update(f"{{{name}}}" for name in _BRACE.findall(text))
    return found


def stray_percent(text: str) -> bool:
    """A % that Python's %-formatting would choke on."""
    return "%" in _PERCENT.sub("", text)


def test_placeholder_helpers() -> None:
    flags = {"python-format"}
    assert placeholders("%(name)s has %d of %s, 50%%", flags) == Counter(
        {"%(name)": 1, "%d": 1, "%s": 1}
    )
    assert placeholders("{count} left", {"python-brace-format"}) == Counter({"{count}": 1})
    assert placeholders("%(name)s", set()) == Counter({"%(name)": 1})
    assert stray_percent("Done: 100%.") and not stray_percent("100%% sure, %(n)d")
    # "% s" is a conversion (space flag), so a translated "100% sure" gains a placeholder.
    assert placeholders("100% sure", flags) == Counter({"%s": 1})


def test_placeholders_survive_translation(messages: list[PoEntry]) -> None:
    problems = []
    for entry in messages:
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        for index, translated in sorted(entry.msgstr.items()):
            source = sources[min(index, len(sources) - 1)]
            expected = placeholders(source, entry.flags)
            actual = placeholders(translated, entry.flags)
            if set(expected) != set(actual):
                problems.append(
                    f"{entry.label} msgstr[{index}]: expected {sorted(expected)}, "
                    f"got {sorted(actual)}"
                )
            # Positional placeholders must keep their number too, or formatting fails.
            positional = {k for k in expected | actual if not k.startswith(("%(", "{"))}
            if any(expected[k] != actual[k] for k in positional):
                problems.append(f"{entry.label} msgstr[{index}]: positional count differs")
            if "python-format" in entry.flags and stray_percent(translated):
                problems.append(f"{entry.label} msgstr[{index}]: unescaped %")
    assert not problems, "placeholders:\n" + "\n".join(problems)


# --- The compiled catalogue ---------------------------------------------------------------------


def _catalog_key(entry: PoEntry) -> str:
    return entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"


def test_mo_file_holds_exactly_the_po_translations(po_entries: list[PoEntry]) -> None:
    """A stale .mo (someone edited the .po and did not run compilemessages) shows up here as a
    missing, extra or different message."""
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    mo_catalog: dict[Any, str] = dict(vars(compiled)["_catalog"])
    po_catalog: dict[Any, str] = {}
    for entry in po_entries:
        key = _catalog_key(entry)
        if entry.is_header:
            # msgfmt drops POT-Creation-Date from the header; the rest is compared below.
            po_catalog[key] = mo_catalog.get(key, "")
            continue
        if entry.msgid_plural is None:
            po_catalog[key] = entry.msgstr[0]
        else:
            for index, translated in entry.msgstr.items():
                po_catalog[(key, index)] = translated
    assert set(mo_catalog) == set(po_catalog), (
        "run `manage.py compilemessages`: only in .po "
        f"{sorted(map(str, set(po_catalog) - set(mo_catalog)))}, only in .mo "
        f"{sorted(map(str, set(mo_catalog) - set(po_catalog)))}"
    )
    changed = sorted(str(key) for key in po_catalog if po_catalog[key] != mo_catalog[key])
    assert not changed, f"run `manage.py compilemessages`: changed since compiling: {changed}"
    assert compiled.info()["language"] == "nl"
    assert compiled.info()["plural-forms"] == header_fields(po_entries)["Plural-Forms"]


def test_dutch_catalogue_is_used_at_runtime() -> None:
    with translation.override("nl"):
        assert translation.gettext("Matches") == "Koppelingen"
        assert translation.gettext("Professional") == "Reclasseringswerker"
        assert (
            translation.ngettext("%(counter)s volunteer", "%(counter)s volunteers", 1)
            % {"counter": 1}
            == "1 vrijwilliger"
        )
        assert (
            translation.ngettext("%(counter)s volunteer", "%(counter)s volunteers", 3)
            % {"counter": 3}
            == "3 vrijwilligers"
        )
    with translation.override("en"):
        assert translation.gettext("Matches") == "Matches"


# --- Templates: no visible English outside translate tags ---------------------------------------

# Templates allowed to hold fixed text: 500.html renders without the template engine's context
# (and so without translations) and is deliberately bilingual.
UNCHECKED_TEMPLATES = {"500.html"}
# Words that are the same in every language: the product name.
ALLOWED_WORDS = {"Reclass"}
# Attributes whose value a person sees or hears.
_VISIBLE_ATTRIBUTES = (
    "alt",
    "title",
    "placeholder",
    "label",
    "aria-label",
    "aria-description",
    "aria-placeholder",
    "aria-roledescription",
    "aria-valuetext",
)

_STRIP_BEFORE_TAGS = [
    re.compile(r"\{%\s*comment\b.*?%\}.*?\{%\s*endcomment\s*%\}", re.S),
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S),
    re.compile(r"\{%.*?%\}", re.S),  # translate tags and every other tag
    re.compile(r"\{\{.*?\}\}", re.S),
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I),
]
_ATTRIBUTE = re.compile(
    r"\s(?:" + "|".join(map(re.escape, _VISIBLE_ATTRIBUTES)) + r")\s*=\s*(\"[^\"]*\"|'[^']*')",
    re.I,
)
_TAG = re.compile(r"<[^>]*>", re.S)
_ENTITY = re.compile(r"&#?\w+;")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S*", re.I)
_WORD = re.compile(r"[^\W\d_]{2,}")


def untranslated_words(source: str) -> list[str]:
    """Words a visitor would see that do not come from a translate tag or a variable."""
    text = source
    for pattern in _STRIP_BEFORE_TAGS:
        text = pattern.sub(" ", text)
    attribute_text = " ".join(value[1:-1] for value in _ATTRIBUTE.findall(text))
    text = _TAG.sub(" ", text) + " " + attribute_text
    text = _URL.sub(" ", _ENTITY.sub(" ", text))
    return [word for word in _WORD.findall(text) if word not in ALLOWED_WORDS]


def test_untranslated_words_finds_stray_text() -> None:
    clean = """{% load i18n %}<!DOCTYPE html><html lang="{{ LANGUAGE_CODE }}">
        {# a note for developers #}{% comment %}Old text{% endcomment %}
        <title>{% block title %}{% translate "Home" %}{% endblock %} &middot; Reclass</title>
        <nav aria-label="{% translate 'Main navigation' %}" class="navbar nav-dark">
        <p>{% blocktranslate with name=user.name %}Hello {{ name }}{% endblocktranslate %}</p>
        <p>{% blocktranslate count n=k %}One{% plural %}{{ n }} more{% endblocktranslate %}</p>
        <!-- layout only --><script>var greeting = "hi";</script>
        {{ protocol }}://{{ domain }}{% url 'home' %} https://example.org/path 12:30 — </nav>"""
    assert untranslated_words(clean) == []
    assert untranslated_words("<h1>Welcome back</h1>") == ["Welcome", "back"]
    assert untranslated_words('<input placeholder="Search here">') == ["Search", "here"]
    assert untranslated_words("<button>{% translate 'Save' %} changes</button>") == ["changes"]
    assert untranslated_words("<p>Cliënt</p>") == ["Cliënt"]


def _templates() -> list[Path]:
    return sorted(
        path
        for path in TEMPLATE_DIR.rglob("*")
        if path.suffix in {".html", ".txt"}
        and path.relative_to(TEMPLATE_DIR).as_posix() not in UNCHECKED_TEMPLATES
    )


def test_templates_are_found() -> None:
    names = {path.relative_to(TEMPLATE_DIR).as_posix() for path in _templates()}
    assert {"base.html", "registration/login.html"} <= names
    assert "500.html" not in names


@pytest.mark.parametrize(
    "template", _templates(), ids=lambda path: path.relative_to(TEMPLATE_DIR).as_posix()
)
def test_template_text_is_translatable(template: Path) -> None:
    words = untranslated_words(template.read_text(encoding="utf-8"))
    assert not words, (
        f"{template.relative_to(BASE_DIR)} shows text outside {{% translate %}} / "
        f"{{% blocktranslate %}}: {' '.join(words)}"
    )


# --- The language a visitor gets ----------------------------------------------------------------


def _lang(html: str) -> str | None:
    match = re.search(r"<html\b[^>]*\blang=\"([^\"]+)\"", html)
    return match.group(1) if match else None


def _heading(html: str) -> str | None:
    match = re.search(r"<h1\b[^>]*>(.*?)</h1>", html, re.S)
    return match.group(1).strip() if match else None


@pytest.mark.django_db
def test_login_page_is_dutch_by_default() -> None:
    assert reverse("login") == "/inloggen/"
    response = HttpClient().get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert _lang(html) == "nl"
    assert _heading(html) == "Inloggen"
    assert "Log in" not in html
    assert response.headers["Content-Language"] == "nl"


@pytest.mark.django_db
def test_language_cookie_selects_english() -> None:
    http = HttpClient()
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = http.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert _lang(html) == "en"
    assert _heading(html) == "Log in"
    assert "Inloggen" not in html
    assert response.headers["Content-Language"] == "en"


@pytest.mark.django_db
def test_language_cookie_wins_over_browser_preference() -> None:
    http = HttpClient(headers={"accept-language": "en-GB,en;q=0.9"})
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    html = http.get(reverse("login")).content.decode()
    assert _lang(html) == "nl"
    assert _heading(html) == "Inloggen"


@pytest.mark.django_db
def test_set_language_switches_and_switches_back() -> None:
    http = HttpClient()
    login = reverse("login")
    response = http.post(reverse("set_language"), {"language": "en", "next": login})
    assert response.status_code == 302
    assert response.headers["Location"] == login
    assert http.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = http.get(login).content.decode()
    assert _lang(html) == "en"
    assert _heading(html) == "Log in"

    http.post(reverse("set_language"), {"language": "nl", "next": login})
    html = http.get(login).content.decode()
    assert _lang(html) == "nl"
    assert _heading(html) == "Inloggen"


@pytest.mark.django_db
def test_set_language_ignores_unknown_language() -> None:
    http = HttpClient()
    http.post(reverse("set_language"), {"language": "xx", "next": reverse("login")})
    assert settings.LANGUAGE_COOKIE_NAME not in http.cookies
    assert _lang(http.get(reverse("login")).content.decode()) == "nl"
