"""What `pipebot run` checks before it serves: tokens for the mode, Slack, the managers' channel."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import make_url

from bot.config import Config, Settings

logger = logging.getLogger("pipebot")

# Exit statuses of `pipebot run`: fix something first, or just try again later (sysexits' TEMPFAIL).
EXIT_FIX_CONFIG = 2
EXIT_TRY_AGAIN = 75

SLACK_CHECK_TIMEOUT_SECONDS = 10
_NON_JSON = "Received a response in a non-JSON format"


@dataclass(frozen=True)
class StartProblem:
    """Why pipebot cannot start, in one line, and the exit status that says whether to retry."""

    message: str
    exit_code: int = EXIT_FIX_CONFIG


def missing_for(mode: str | None, config: Config) -> str | None:
    """What is missing to run in `mode` (None: the mode pipebot would pick), or None."""
    settings = config.settings
    if settings.slack_bot_token is None:
        return "SLACK_BOT_TOKEN is not set; create the app from manifest.yml and set it"
    if mode is None and settings.slack_app_token is None and settings.slack_signing_secret is None:
        return (
            "set SLACK_APP_TOKEN (an xapp-… app-level token with connections:write) for Socket Mode, "
            "the manifest's default; or, to serve HTTP (manifest.http.yml), set SLACK_SIGNING_SECRET"
        )
    resolved = mode or ("socket" if settings.slack_app_token else "http")
    if resolved == "socket" and settings.slack_app_token is None:
        return "socket mode needs SLACK_APP_TOKEN (an xapp- token with connections:write)"
    if resolved == "http" and settings.slack_signing_secret is None:
        return "HTTP mode needs SLACK_SIGNING_SECRET to verify Slack's requests"
    return None


def sqlite_file(database_url: str) -> Path | None:
    """The file a SQLite URL opens (absolute), or None for PostgreSQL and in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database).absolute()


def describe_storage(config: Config) -> None:
    """Log where the data and the pipeline come from; warn when the SQLite file does not exist yet."""
    settings = config.settings
    database = make_url(settings.database_url).render_as_string(hide_password=True)
    origin = "pipebot.db in PIPEBOT_HOME" if settings.database_is_default else "DATABASE_URL"
    logger.info("database: %s (%s; PIPEBOT_HOME is %s)", database, origin, settings.home)
    if config.pipeline_path is not None:
        logger.info("pipeline: %s", config.pipeline_path.absolute())
    else:
        logger.info("pipeline: built-in defaults (no pipeline.toml in %s)", settings.home)
    path = sqlite_file(settings.database_url)
    if path is not None and not path.exists():
        logger.warning(
            "%s does not exist yet, so pipebot starts with an empty database; if your data is "
            "elsewhere, stop and set PIPEBOT_HOME to its directory (or DATABASE_URL)",
            path,
        )


def slack_client(settings: Settings) -> WebClient:
    """A client on SLACK_API_URL with the bot token, for the start-up checks."""
    assert settings.slack_bot_token is not None
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=SLACK_CHECK_TIMEOUT_SECONDS,
    )


def check_slack(client: WebClient, settings: Settings) -> StartProblem | None:
    """Call auth.test once: None when Slack answers and takes the bot token."""
    where = f"SLACK_API_URL={settings.slack_api_url}"
    try:
        client.auth_test()
    except SlackApiError as exc:
        status = exc.response.status_code
        error = str(exc.response.get("error") or "")
        if error.startswith(_NON_JSON):
            return StartProblem(
                f"{where} did not answer like Slack's Web API (HTTP {status}); check SLACK_API_URL",
                EXIT_TRY_AGAIN if status >= 500 else EXIT_FIX_CONFIG,
            )
        if status >= 500 or status == 429:
            return StartProblem(
                f"Slack at {where} answered HTTP {status} ({error}); try again shortly",
                EXIT_TRY_AGAIN,
            )
        return StartProblem(f"Slack refused SLACK_BOT_TOKEN ({error})")
    except OSError as exc:  # refused, unresolvable, timed out, TLS: urllib's errors are OSErrors
        reason = getattr(exc, "reason", None) or exc
        return StartProblem(
            f"cannot reach Slack at {where} ({reason}); check the network, a proxy, or SLACK_API_URL",
            EXIT_TRY_AGAIN,
        )
    return None


_INVITE = "in Slack, open the channel and type /invite @pipebot"


def check_managers_channel(client: WebClient, channel: str | None) -> bool:
    """Log plainly when the bot is not in the managers' channel; True when it is. Never raises."""
    if channel is None:
        logger.warning(
            "no managers' channel is set (PIPEBOT_MANAGERS_CHANNEL or [team] managers_channel), "
            "so posts meant for managers are skipped"
        )
        return False
    try:
        info = client.conversations_info(channel=channel)
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "channel_not_found":
            logger.warning(
                "the managers' channel %s was not found: check the channel ID; if the channel is "
                "private, pipebot sees it only once invited (%s)",
                channel,
                _INVITE,
            )
        elif error == "missing_scope":
            logger.warning(
                "cannot check the managers' channel %s: the app lacks %s; reinstall it from "
                "manifest.yml",
                channel,
                exc.response.get("needed") or "channels:read/groups:read",
            )
        else:
            logger.warning("cannot check the managers' channel %s: Slack said %s", channel, error)
        return False
    except Exception as exc:  # a check that fails must not keep the bot from serving
        logger.warning("cannot check the managers' channel %s: %s", channel, exc)
        return False
    details = info.get("channel") or {}
    if details.get("is_im"):  # a DM with the bot has no members to check
        return True
    if details.get("is_archived"):
        logger.warning(
            "the managers' channel %s is archived; choose another and invite pipebot", channel
        )
        return False
    if not details.get("is_member"):
        name = f"#{details['name']}" if details.get("name") else channel
        logger.warning(
            "pipebot is not a member of the managers' channel %s (%s), so it can neither post "
            "there nor check what it already posted; %s",
            name,
            channel,
            _INVITE,
        )
        return False
    return True
