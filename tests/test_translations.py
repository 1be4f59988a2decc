"""The shipped translations: complete, compiled, in step with the code, and used by the admin.

The catalogs are read by a small parser and the .mo files by Python's own gettext, so that no
gettext tools are needed to run these tests; they are needed only to regenerate the catalogs:

    cd botauth && django-admin makemessages -l de --add-location file --no-obsolete
    django-admin compilemessages -l de     (and the same in botauth_sandbox)
"""

from __future__ import annotations

import ast
import gettext
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from botauth.models import BotAccount
from tests import xmock

ROOT = Path(__file__).resolve().parent.parent
APPS = ("botauth", "botauth_sandbox")
LANGUAGES = ("de",)
CATALOGS = [(app, language) for app in APPS for language in LANGUAGES]
GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]")
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m[1], m[0]), text)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header is the one whose msgid is empty)."""
    entries: list[Entry] = []
    entry, last = Entry(), ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if last:
                entries.append(entry)
            entry, last = Entry(), ""
            continue
        if line.startswith("#~"):
            entry.obsolete, last = True, "#~"
            continue
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.fullmatch(r'(msgid_plural|msgid|msgstr(?:\[(\d+)\])?) "(.*)"', line)
        if match:
            last = match[1]
            text = unescape(match[3])
        else:
            text = unescape(re.fullmatch(r'"(.*)"', line)[1])  # type: ignore[index]
        if last == "msgid":
            entry.msgid += text
        elif last == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        else:
            index = int(last[7:-1]) if "[" in last else 0
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
    return entries


def po_path(app: str, language: str) -> Path:
    return ROOT / app / "locale" / language / "LC_MESSAGES" / "django.po"


def messages_of(app: str, language: str) -> list[Entry]:
    return [e for e in parse_po(po_path(app, language)) if e.msgid and not e.obsolete]


def source_messages(app: str) -> Iterator[str | tuple[str, str]]:
    """What makemessages would find: gettext calls with a literal, and template tags."""
    base = ROOT / app
    for path in sorted(base.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in GETTEXT_CALLS or not node.args:
                continue
            literals = [a.value for a in node.args[:2] if isinstance(a, ast.Constant)]
            if node.func.id.startswith("n") and len(literals) == 2:
                yield (str(literals[0]), str(literals[1]))
            elif literals and isinstance(literals[0], str):
                yield literals[0]
    for path in sorted(base.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"{%\s*translate\s+([\"'])(.*?)\1", text):
            yield match[2]
        block = r"{%\s*blocktranslate\b[^%]*%}(.*?){%\s*endblocktranslate\s*%}"
        for match in re.finditer(block, text, re.S):
            assert "{% plural" not in match[1], f"{path}: teach this test plural blocks"
            yield re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", match[1])


@pytest.fixture(autouse=True)
def _back_to_english() -> Iterator[None]:
    # LocaleMiddleware activates the request's language in this thread and leaves it there.
    yield
    translation.deactivate()


# The catalogs


@pytest.mark.parametrize(("app", "language"), CATALOGS)
def test_every_message_is_translated_and_none_is_fuzzy(app, language):
    entries = parse_po(po_path(app, language))
    header = next(e for e in entries if not e.msgid)
    assert f"Language: {language}\n" in header.msgstr[0]
    assert "fuzzy" not in header.flags
    messages = messages_of(app, language)
    assert len(messages) > 50
    untranslated = [e.msgid for e in messages if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.msgid for e in messages if "fuzzy" in e.flags]
    plural_gaps = [e.msgid for e in messages if e.msgid_plural and sorted(e.msgstr) != [0, 1]]
    assert (untranslated, fuzzy, plural_gaps) == ([], [], [])


@pytest.mark.parametrize(("app", "language"), CATALOGS)
def test_translations_keep_the_placeholders_exactly(app, language):
    wrong = []
    for entry in messages_of(app, language):
        expected = set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in entry.msgstr.values():
            if set(PLACEHOLDER.findall(text)) != expected:
                wrong.append((entry.msgid, text))
    assert wrong == []


@pytest.mark.parametrize(("app", "language"), CATALOGS)
def test_the_compiled_catalog_holds_exactly_the_po_content(app, language):
    path = po_path(app, language)
    with path.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for entry in messages_of(app, language):
        if entry.msgid_plural is None:
            expected[entry.msgid] = entry.msgstr[0]
        else:
            expected.update({(entry.msgid, i): text for i, text in entry.msgstr.items()})
    compiled = {key: text for key, text in compiled.items() if key != ""}
    stale = sorted(str(k) for k in expected.keys() ^ compiled.keys())
    changed = sorted(
        str(k) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k]
    )
    assert (stale, changed) == ([], []), "run compilemessages (see this module's docstring)"


@pytest.mark.parametrize(("app", "language"), CATALOGS)
def test_every_marked_string_of_the_code_is_in_the_catalog(app, language):
    catalog = {
        (e.msgid, e.msgid_plural) if e.msgid_plural else e.msgid for e in messages_of(app, language)
    }
    found = set(source_messages(app))
    assert len(found) > 50
    assert sorted(map(str, found - catalog)) == [], "run makemessages and translate what it adds"


def test_the_parser_reads_what_gettext_reads(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: de\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "a \\"%(x)s\\"\\n"\n"b"\nmsgstr ""\n\n'
        'msgid "one"\nmsgid_plural "%(n)d"\nmsgstr[0] "eins"\nmsgstr[1] "%(n)d"\n\n'
        '#~ msgid "gone"\n#~ msgstr "weg"\n',
        encoding="utf-8",
    )
    header, fuzzy, plural, obsolete = parse_po(po)
    assert header.msgstr == {0: "Language: de\n"}
    assert (fuzzy.msgid, fuzzy.msgstr, fuzzy.flags) == (
        'a "%(x)s"\nb',
        {0: ""},
        {"fuzzy", "python-format"},
    )
    assert (plural.msgid_plural, plural.msgstr) == ("%(n)d", {0: "eins", 1: "%(n)d"})
    assert obsolete.obsolete


# A German admin


def with_locale_middleware() -> list[str]:
    middleware = list(settings.MIDDLEWARE)
    locale = "django.middleware.locale.LocaleMiddleware"
    if locale not in middleware:
        middleware.insert(
            middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1, locale
        )
    return middleware


GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}
CHANGELIST = reverse("admin:botauth_botaccount_changelist")


@pytest.fixture
def german_admin(settings):
    settings.MIDDLEWARE = with_locale_middleware()


def test_a_german_admin_lists_bot_accounts_in_german(staff_client, account, german_admin):
    response = staff_client.get(CHANGELIST, **GERMAN)
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    page = response.content.decode()
    for german in ("Bot-Konten", "X-Handle", "Nicht verknüpft", "Letzte Prüfung", "Zugriffsstufe"):
        assert german in page
    assert "Ausgewählte Bot-Konten bei X prüfen" in page
    for english in ("Twitter username", "X handle", "Unlinked", "Verify selected bot accounts"):
        assert english not in page


def test_a_german_admin_shows_a_bot_account_in_german(staff_client, linked, german_admin):
    response = staff_client.get(
        reverse("admin:botauth_botaccount_change", args=[linked.pk]), **GERMAN
    )
    assert response.status_code == 200
    page = response.content.decode()
    for german in ("Erneut mit X verknüpfen", "Jetzt prüfen", "Verknüpfung lösen", "X-Nutzer-ID"):
        assert german in page
    assert "Letzte Prüfung bei X" in page
    assert "Noch unbekannt: „Jetzt prüfen“ fragt bei X nach" in page
    assert "Link with X" not in page


def test_verify_selected_answers_a_german_admin_in_german(staff_client, account, german_admin, x):
    response = staff_client.post(
        CHANGELIST,
        {"action": "verify_selected", "_selected_action": [account.pk]},
        **GERMAN,
    )
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Nichts wurde geprüft: Keines der ausgewählten Bot-Konten ist mit X verknüpft. "
        "Verknüpfen Sie sie zuerst."
    ]
    assert len(x.calls) == 0
    account.refresh_from_db()
    assert (account.status, account.last_verified_at) == (BotAccount.Status.UNLINKED, None)
    assert not LogEntry.objects.exists()


def test_what_x_said_is_stored_in_the_language_of_the_admin_who_asked(
    staff_client, linked, german_admin, x
):
    # The check runs in a worker thread; it must not fall back to the default language.
    xmock.users_me_error(x, 401)
    verify = reverse("admin:botauth_botaccount_verify", args=[linked.pk])
    response = staff_client.post(verify, **GERMAN)
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown[0] == "Bei X geprüft: 1 ungültig (401)."
    assert shown[1].startswith("„linkedbot“: X hat das Token abgelehnt: Unauthorized; erstes 401")
    linked.refresh_from_db()
    assert linked.last_verification == BotAccount.Verification.INVALID
    assert linked.last_verification_detail.startswith("X hat das Token abgelehnt: Unauthorized")
    assert LogEntry.objects.get().change_message.startswith("Bei X geprüft: Ungültig (401).")


def test_without_accept_language_the_admin_stays_english(staff_client, account, german_admin):
    response = staff_client.get(CHANGELIST)
    page = response.content.decode()
    assert "X handle" in page
    assert "Verify selected bot accounts with X" in page
    assert "X-Handle" not in page


def test_field_labels_say_what_x_calls_them():
    def field(name: str) -> Any:  # a concrete field (get_field is typed to return relations too)
        return BotAccount._meta.get_field(name)

    assert str(field("twitter_username").verbose_name) == "X handle"
    assert "screen_name" in str(field("twitter_username").help_text)
    assert str(field("twitter_oauth_token").help_text) == (
        "Request token (OAuth 1.0a) or state (OAuth 2.0) of a link in progress."
    )
    # A field without a verbose_name gets one made of its name: a str, never translated.
    unlabelled = [
        f.name
        for f in BotAccount._meta.get_fields()
        if f.concrete and not f.auto_created and not isinstance(f.verbose_name, Promise)
    ]
    assert unlabelled == []
    with translation.override("de"):
        assert str(field("twitter_username").verbose_name) == "X-Handle"
        assert str(BotAccount._meta.verbose_name_plural) == "Bot-Konten"
