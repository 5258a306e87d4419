"""The usage line of every command and subcommand, shared by error messages and help."""

from __future__ import annotations

USAGE: dict[str, str] = {
    "create": (
        "/lead <company> [$value] [@owner] [stage:<stage>] [next:<when>] [close:<when>]"
        " [source:<source>] [email:<email>] [contact:<name>] [phone:<phone>]"
    ),
    "add": "/lead add <company> [$value] [@owner] [stage:<stage>] [next:<when>] …",
    "help": "/lead help [subcommand]",
    "list": "/lead list [mine|all|@rep] [stage]",
    "find": "/lead find <company, contact, email, phone, source or words from a note>",
    "show": "/lead show <ref>",
    "edit": (
        "/lead edit <ref> [company:<name>] [value:<value>] [contact:<name>] [email:<email>]"
        " [phone:<phone>] [source:<source>] [close:<when>] [next:<when>] [stage:<stage>]"
        " [owner:@rep]"
    ),
    "move": "/lead move <ref> <stage>",
    "won": "/lead won <ref>",
    "lost": "/lead lost <ref> [competitor|no_budget|no_decision|timing|unqualified|other] [reason]",
    "assign": "/lead assign <ref> @rep",
    "qualify": "/lead qualify <ref>",
    "snooze": "/lead snooze <ref> <when>",
    "archive": "/lead archive <ref>",
    "reopen": "/lead reopen <ref>",
    "export": "/lead export",
    "touch": "/touch <ref> [kind] [note] [next:<when>]",
}

HELP_EXAMPLES: list[str] = [
    "/lead Acme Corp $12,500 @dana stage:qualification next:friday source:webinar",
    '/lead Globex €40k contact:"Ann Lee" email:ann@globex.test next:2w',
    "/lead list all proposal",
    "/lead move #42 proposal",
    "/lead lost acme competitor went with Initech",
    '/lead edit #42 value:$15k contact:"Ann Lee" close:2027-01-29',
    "/lead reopen #42",
    "/lead find ann@acme.test",
    '/lead snooze "Acme Corp" 3d',
    "/lead add List Industries $5k",
    "/touch acme call Spoke with the CFO, sending pricing next:tue",
    "/touch blue harbor email Sent the proposal",
]


def usage_hint(name: str) -> str:
    """`Usage: `…`` for one command, to end an error message with."""
    return f"Usage: `{USAGE[name]}`"
