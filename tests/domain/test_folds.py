"""Search and duplicate-company folds: ASCII text folds exactly as the full Unicode path folds it."""

from __future__ import annotations

import pytest

from bot.domain.leads import company_key, lead_search_text, search_fold

# Every ASCII character, controls and whitespace included; each text ends in a letter, so the
# accented letter added after it joins its last word.
EVERY_ASCII = "".join(map(chr, range(128))) + "Z"


@pytest.mark.parametrize("text", [EVERY_ASCII, "  ACME\tCorp", "O'Brien & Sons, Ltd", "x"])
def test_ascii_folds_as_unicode_text_does(text: str) -> None:
    # An accented letter sends the whole text down the Unicode path, and folds to its bare letter.
    assert search_fold(text + "é") == search_fold(text) + "e"
    assert company_key(text + "é") == company_key(text) + "e"


def test_a_phone_is_searchable_by_its_digits_whatever_its_characters() -> None:
    assert (
        lead_search_text("Acme", phone="+1 (415) 555-0100")
        == "acme\n+1 (415) 555-0100\n14155550100"
    )
    assert lead_search_text("Acme", phone="+١ 415") == "acme\n+١ 415\n١415"
