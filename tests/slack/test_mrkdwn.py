import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.slack.mrkdwn import escape, link, mention, truncate, unescape
from tests.hostile import FORBIDDEN, tricky_text

tricky = tricky_text()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("AT&T", "AT&amp;T"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("a < b > c", "a &lt; b &gt; c"),
        ("&lt;", "&amp;lt;"),
        ("*bold* _it_ `code`", "*bold* _it_ `code`"),
        ("", ""),
    ],
)
def test_escape(text: str, expected: str) -> None:
    assert escape(text) == expected
    assert unescape(expected) == text


@given(tricky)
def test_escape_round_trips_and_leaves_no_markup(text: str) -> None:
    escaped = escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert unescape(escaped) == text
    assert not any(bad in escaped for bad in FORBIDDEN)


@given(tricky, st.integers(min_value=1, max_value=60))
def test_truncate_of_escaped_text_stays_safe(text: str, limit: int) -> None:
    short = truncate(escape(text), limit)
    assert len(short) <= limit
    assert not any(bad in short for bad in FORBIDDEN)
    if short != escape(text):
        assert short.endswith("…")
        # No half entity: what is left unescapes to a prefix of the original.
        assert text.startswith(unescape(short[:-1]))


@given(st.text(max_size=40), tricky)
def test_link_never_emits_markup_for_unsafe_urls(url: str, label: str) -> None:
    out = link(url, label)
    if not (url.lower().startswith(("http://", "https://"))):
        assert out == escape(label)
        assert not any(bad in out for bad in FORBIDDEN)
    else:
        assert out.count("<") <= 1 and out.count(">") <= 1


@pytest.mark.parametrize("user_id", ["U012AB3CD", "W123", "UAB"])
def test_mention_accepts_user_ids(user_id: str) -> None:
    assert mention(user_id) == f"<@{user_id}>"


@pytest.mark.parametrize(
    "user_id",
    ["", "U1", "u012ab3cd", "C012AB3CD", "U012>", "<@U012AB3CD>", "!channel", "U012 AB", "U012\n"],
)
def test_mention_refuses_anything_else(user_id: str) -> None:
    with pytest.raises(ValueError):
        mention(user_id)


@pytest.mark.parametrize(
    ("url", "label", "expected"),
    [
        (
            "https://acme.test/a?b=1&c=2",
            "Acme & Co",
            "<https://acme.test/a?b=1&amp;c=2|Acme &amp; Co>",
        ),
        ("http://acme.test", "", "<http://acme.test>"),
        ("HTTPS://acme.test", "x", "<HTTPS://acme.test|x>"),
        ("javascript:alert(1)", "click", "click"),
        ("mailto:a@b.co", "a@b.co", "a@b.co"),
        ("https://evil.test|https://intranet", "x", "x"),
        ("https://evil.test> <!channel", "x<y", "x&lt;y"),
        ("https://", "label", "label"),
        ("https://[::1", "label", "label"),
        ("", "<!here>", "&lt;!here&gt;"),
    ],
)
def test_link(url: str, label: str, expected: str) -> None:
    assert link(url, label) == expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("hello world", 6, "hello…"),
        ("AT&amp;T rocks", 4, "AT…"),
        ("AT&amp;T rocks", 7, "AT…"),
        ("AT&amp;T rocks", 8, "AT&amp;…"),
        ("AT&amp;T rocks", 9, "AT&amp;T…"),
        ("AT&amp;T rocks", 10, "AT&amp;T…"),
        ("&lt;&lt;&lt;", 5, "&lt;…"),
        ("see <https://acme.test|Acme> now", 12, "see…"),
        ("see <https://acme.test|Acme> now", 30, "see <https://acme.test|Acme>…"),
        ("abc", 1, "…"),
    ],
)
def test_truncate(text: str, limit: int, expected: str) -> None:
    assert truncate(text, limit) == expected


def test_truncate_refuses_a_zero_limit() -> None:
    with pytest.raises(ValueError):
        truncate("abc", 0)
