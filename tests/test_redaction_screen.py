"""The redactor's screen and memo change how fast it is, never what it redacts."""

from __future__ import annotations

import random

import pytest

from live_gate import redaction
from live_gate.redaction import REDACTED, Redactor, forms

SECRETS = {
    'raw-key?>/"ĳ-1',
    "ΑΣ",  # a final sigma: str.lower() would map it by its context
    "Zq7",
    "ab",
    "k3y-Ä-%2F",
    "AKIA0123456789ABCDEF",
    "c2VjcmV0LWJhc2U2NA==",
    "\udc80\udcff-binary",
}


def _every_form_redacted(secrets: set[str], text: str) -> str:
    """The redaction without screen or memo: each form searched for, as before."""
    plain = Redactor(secrets)
    plain._screen = tuple(plain._forms)
    return plain._redact(text)


def _texts(secrets: set[str]) -> list[str]:
    rng = random.Random(13)
    pieces = [form for secret in secrets for form in forms(secret)]
    pieces += ["PRE-3", "about", "<ab>", "&ab;", "ΑΣΑ", "tab", " ", "\n", "x=", "-", "é", "%"]
    texts = [""]
    for _ in range(400):
        texts.append("".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))))
    return texts


def test_screened_redaction_equals_searching_every_form() -> None:
    redactor = Redactor(SECRETS)
    assert len(redactor._screen) < len(redactor._forms)
    for text in _texts(SECRETS):
        assert redactor.text(text) == _every_form_redacted(SECRETS, text), text
        assert redactor.text(text) == _every_form_redacted(SECRETS, text), "memo"


def test_every_form_of_every_secret_is_caught_by_the_screen() -> None:
    redactor = Redactor(SECRETS)
    for secret in SECRETS:
        for form in forms(secret):
            assert any(small in form for small in redactor._screen), form
            assert REDACTED in redactor.text(f" {form} "), form


def test_a_secret_added_later_is_redacted_in_a_string_seen_before() -> None:
    redactor = Redactor({"first-secret"})
    assert redactor.text("the second-secret here") == "the second-secret here"
    redactor.add({"second-secret"})
    assert redactor.text("the second-secret here") == f"the {REDACTED} here"


def test_many_secrets_and_long_strings_are_redacted_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redaction, "_MINIMISE_UP_TO", 10)  # screened with every form
    monkeypatch.setattr(redaction, "_MEMO_LENGTH", 8)  # most strings not remembered
    redactor = Redactor(SECRETS)
    assert len(redactor._screen) == len(set(redactor._forms))
    for text in _texts(SECRETS):
        assert redactor.text(text) == _every_form_redacted(SECRETS, text), text
