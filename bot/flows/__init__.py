"""One function per user intent: create a lead, change it, log a touch, import, receive from a form.

Each flow takes the deps, who is acting (`by`), what they asked and `now`; it owns the transaction,
applies the access rule, records the notifications its change causes in the outbox, and returns
what happened and whose App Home now shows something stale. Slack listeners, `POST /api/leads`,
`POST /api/touches`, the importer and jobs are adapters around these functions.
"""

from bot.flows.inbound import Received, Refused, log_inbound_touch, receive_inbound_lead
from bot.flows.leads import (
    Assign,
    Changed,
    Close,
    Created,
    Duplicates,
    Edit,
    Keep,
    LeadChange,
    Move,
    Qualify,
    Reopen,
    SetCloseDate,
    SetFollowUp,
    Snooze,
    calendar_for,
    change_lead,
    create_lead,
    workable_lead,
)
from bot.flows.roster import NotOnTeam, assignee_refusal
from bot.flows.touches import Logged, log_line_at_once, log_touch

__all__ = [
    "Assign",
    "Changed",
    "Close",
    "Created",
    "Duplicates",
    "Edit",
    "Keep",
    "LeadChange",
    "Logged",
    "Move",
    "NotOnTeam",
    "Qualify",
    "Reopen",
    "SetCloseDate",
    "SetFollowUp",
    "Received",
    "Refused",
    "Snooze",
    "assignee_refusal",
    "calendar_for",
    "change_lead",
    "create_lead",
    "log_inbound_touch",
    "log_line_at_once",
    "log_touch",
    "receive_inbound_lead",
    "workable_lead",
]
