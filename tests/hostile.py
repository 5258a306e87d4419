"""The mrkdwn attack corpus: what a user (or a web form) might type to ping, link or break a message."""

from __future__ import annotations

from hypothesis import strategies as st

# Markup pieces make hypothesis try the attacks directly, not just random characters.
ATTACK_PIECES = (
    "<!channel>",
    "<!here>",
    "<!here|here>",
    "<!everyone>",
    "<!subteam^S123|@sales>",
    "<@U0BOSS>",
    "<@U123ABC>",
    "<#C0GEN|general>",
    "<https://evil.test|https://intranet>",
    "<http://evil.test|https://intranet>",
    "<mailto:ann@acme.test|ann@acme.test>",
    "&",
    "&amp;",
    "&lt;",
    "&gt;",
    "&lt;!channel&gt;",
    "<",
    ">",
    "|",
    "*",
    "`",
    "\n",
    "\u202e",
    "Acme Corp",
    "$12,500",
    "+1 555 0100",
)

# What must never appear in mrkdwn built from user text.
FORBIDDEN = ("<!channel>", "<!here", "<!everyone>", "<!subteam^", "<@", "<#", "<http", "<mailto")


def tricky_text(
    *, piece_size: int = 20, min_size: int = 0, max_size: int = 8, long: bool = False
) -> st.SearchStrategy[str]:
    """Text mixing random characters with the attack pieces (and, when `long`, a 700-character run)."""
    pieces = ATTACK_PIECES + (("x" * 700,) if long else ())
    return st.lists(
        st.one_of(st.text(max_size=piece_size), st.sampled_from(pieces)),
        min_size=min_size,
        max_size=max_size,
    ).map("".join)


# The corpus's own markup, for messages that legitimately hold mentions and links we built.
INJECTED = (
    "<!channel>",
    "<!here",
    "<!everyone>",
    "<!subteam^",
    "<@U0",
    "<@U123",
    "<#C0",
    "<http://evil",
    "<https://evil",
    "<mailto",
)
