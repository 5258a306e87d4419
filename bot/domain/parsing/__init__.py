"""The grammar of `/lead` and `/touch`: pure functions from command text to typed input.

Every parser raises `ParseError` with a one-line message that may quote the user's words
as plain text; callers escape the message for mrkdwn before showing it.
"""

from bot.domain.errors import ParseError
from bot.domain.parsing.commands import (
    SCOPE_ALL,
    SCOPE_MINE,
    ArchiveCmd,
    AssignCmd,
    ConfirmCreate,
    CreateCmd,
    DidYouMean,
    EditCmd,
    ExportCmd,
    FindCmd,
    HelpCmd,
    LeadCommand,
    ListCmd,
    LostCmd,
    MoveCmd,
    OpenModal,
    QualifyCmd,
    ReopenCmd,
    ShowCmd,
    SnoozeCmd,
    WonCmd,
    parse_lead_subcommand,
)
from bot.domain.parsing.dates import parse_when
from bot.domain.parsing.lead import (
    LEAD_KEYS,
    NewLeadInput,
    find_emails,
    parse_new_lead,
    read_email,
    read_phone,
)
from bot.domain.parsing.money import CURRENCIES, Money, parse_value
from bot.domain.parsing.refs import LeadRef, StageRef, parse_mention, parse_ref, resolve_stage
from bot.domain.parsing.touch import TOUCH_KINDS, TouchInput, parse_touch
from bot.domain.parsing.usage import HELP_EXAMPLES, USAGE

__all__ = [
    "CURRENCIES",
    "HELP_EXAMPLES",
    "LEAD_KEYS",
    "SCOPE_ALL",
    "SCOPE_MINE",
    "TOUCH_KINDS",
    "USAGE",
    "ArchiveCmd",
    "AssignCmd",
    "ConfirmCreate",
    "CreateCmd",
    "DidYouMean",
    "EditCmd",
    "ExportCmd",
    "FindCmd",
    "HelpCmd",
    "LeadCommand",
    "LeadRef",
    "ListCmd",
    "LostCmd",
    "Money",
    "MoveCmd",
    "NewLeadInput",
    "OpenModal",
    "ParseError",
    "QualifyCmd",
    "ReopenCmd",
    "ShowCmd",
    "SnoozeCmd",
    "StageRef",
    "TouchInput",
    "WonCmd",
    "find_emails",
    "parse_lead_subcommand",
    "parse_mention",
    "parse_new_lead",
    "parse_ref",
    "parse_touch",
    "parse_value",
    "parse_when",
    "read_email",
    "read_phone",
    "resolve_stage",
]
