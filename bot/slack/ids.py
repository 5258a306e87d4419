"""Every command, callback and action id pipebot uses, shared by builders and listeners."""

from enum import StrEnum


class Command(StrEnum):
    LEAD = "/lead"
    TOUCH = "/touch"
    PIPELINE = "/pipeline"


class Shortcut(StrEnum):
    LOG_TOUCH = "log_touch"
    CREATE_LEAD = "create_lead"
    NEW_LEAD = "new_lead"


class View(StrEnum):
    NEW_LEAD = "new_lead_modal"
    LOG_TOUCH = "log_touch_modal"
    QUALIFY = "qualify_modal"
    LAST_CHANCE = "last_chance_modal"
    MARK_LOST = "mark_lost_modal"
    EDIT_LEAD = "edit_lead_modal"
    CONFIRM_WON = "confirm_won_modal"
    MY_SETTINGS = "my_settings_modal"


class Action(StrEnum):
    LOG_TOUCH = "lead_log_touch"
    OPEN_LEAD = "lead_open"
    SNOOZE = "lead_snooze"
    MOVE_STAGE = "lead_move_stage"
    WON = "lead_won"
    LOST = "lead_lost"
    ARCHIVE = "lead_archive"
    QUALIFY = "lead_qualify"
    KEEP = "lead_keep"
    DRAFT_LAST_CHANCE = "lead_draft_last_chance"
    # The next-step buttons under a logged touch share one block, so each needs its own id.
    NEXT_STEP_TOMORROW = "lead_next_step_1d"
    NEXT_STEP_IN_3_DAYS = "lead_next_step_3d"
    NEXT_STEP_NEXT_WEEK = "lead_next_step_next_week"
    NEXT_STEP_NONE = "lead_next_step_none"
    CLOSE_DATE = "lead_close_date"
    CREATE_ANYWAY = "lead_create_anyway"
    PICK_LEAD = "lead_pick"
    OVERFLOW = "lead_overflow"
    HOME_SCOPE = "home_scope"
    LEAD_SELECT = "lead_select"
    MANAGERS_OPEN = "managers_open"
    MANAGERS_NUDGE = "managers_nudge"
    MANAGERS_REASSIGN = "managers_reassign"
    EDIT_LEAD = "lead_edit"
    REOPEN = "lead_reopen"
    CREATE_CONFIRMED = "lead_create_confirmed"
    TOUCH_PICK = "touch_pick"
    MY_SETTINGS = "home_my_settings"


class Event(StrEnum):
    APP_HOME_OPENED = "app_home_opened"
    USER_CHANGE = "user_change"
    APP_UNINSTALLED = "app_uninstalled"
    TOKENS_REVOKED = "tokens_revoked"
