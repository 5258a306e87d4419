"""Who is asking and where to answer them: the actor behind a request, resolved once, and the ids of its payload."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.parsing import StageRef
from bot.domain.schedule import zone_for
from bot.flows.roster import NotOnTeam, team_refusal
from bot.services import reps
from bot.slack.kit import SlackMessage
from bot.slack.modal_forms import ModalMeta, seal, unseal
from bot.slack.profiles import fetch_profile


def deps_of(context: BoltContext) -> Deps:
    return context["deps"]


def user_of(payload: Mapping[str, Any]) -> str:
    """The id of the user behind a slash command, a click, a submission or a shortcut."""
    user = payload.get("user")
    return str(user["id"]) if isinstance(user, Mapping) else str(payload["user_id"])


def team_of(payload: Mapping[str, Any]) -> str | None:
    """The workspace a request came from, wherever its kind of payload keeps it."""
    user = payload.get("user")
    if isinstance(user, Mapping) and user.get("team_id"):
        return str(user["team_id"])
    team = payload.get("team")
    return team.get("id") if isinstance(team, Mapping) else payload.get("team_id")


def channel_of(body: Mapping[str, Any]) -> str | None:
    """The channel a button was clicked in, if any (App Home and modals have none)."""
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def stage_refs(deps: Deps) -> list[StageRef]:
    """The configured stages, in pipeline order, as the parsers and builders take them."""
    return [StageRef(key=stage.key, name=stage.name) for stage in deps.pipeline.stages]


def quick_actor(deps: Deps, user_id: str) -> Actor:
    """The actor as far as it is known without a database read or a Slack call (the team's zone)."""
    return Actor(user_id, deps.is_manager(user_id), deps.team_zone)


def stored_actor(deps: Deps, user_id: str) -> Actor:
    """The actor in the timezone stored for them (a database read, no Slack call: safe before an ack).

    Someone off the roster is refused (`NotOnTeam`).
    """
    with deps.session_factory() as session:
        refused = team_refusal(deps, session, user_id=user_id)
        if refused:
            raise NotOnTeam(refused)
        rep = reps.get_rep(session, user_id=user_id)
        covers = _covers(deps, session, user_id)
    return Actor(
        user_id,
        deps.is_manager(user_id),
        zone_for(rep.tz if rep else None, fallback=deps.team_zone),
        covers,
    )


def _covers(deps: Deps, session: Session, user_id: str) -> frozenset[str]:
    """The away reps this person covers for today (the team's today)."""
    today = deps.clock.now().astimezone(deps.team_zone).date()
    return reps.covered_by(session, user_id=user_id, today=today)


def actor_of(deps: Deps, client: WebClient, payload: Mapping[str, Any]) -> Actor:
    """The fully resolved actor of a request (may call users.info, so only after the ack)."""
    return resolve_actor(deps, client, user_id=user_of(payload), team_id=team_of(payload))


def resolve_actor(deps: Deps, client: WebClient, *, user_id: str, team_id: str | None) -> Actor:
    """Ensure the rep exists and their Slack profile is at most a day old; never fails on Slack errors.

    Someone off the roster is refused (`NotOnTeam`) and gets no rep record: using pipebot does not
    make anyone a rep.
    """
    now = deps.clock.now()
    is_manager = deps.is_manager(user_id)
    with deps.session_factory.begin() as session:
        refused = team_refusal(deps, session, user_id=user_id)
        if refused:
            raise NotOnTeam(refused)
        rep = reps.ensure_rep(
            session, user_id=user_id, team_id=team_id, now=now, is_manager=is_manager
        )
        covers = _covers(deps, session, user_id)
    if reps.needs_profile_refresh(rep, now=now):
        rep = refresh_profile(deps, client, user_id=user_id) or rep
    return Actor(user_id, is_manager, zone_for(rep.tz, fallback=deps.team_zone), covers)


def refresh_profile(deps: Deps, client: WebClient, *, user_id: str) -> reps.RepView | None:
    """Read name and timezone from `users.info`; None when Slack cannot tell us."""
    profile = fetch_profile(client, user_id=user_id)
    if profile is None:
        return None
    with deps.session_factory.begin() as session:
        return reps.update_profile(
            session, user_id=user_id, name=profile.name, tz=profile.tz, now=deps.clock.now()
        )


def open_modal_for(
    opener: Callable[..., dict[str, Any]],
    client: WebClient,
    deps: Deps,
    payload: Mapping[str, Any],
    **where: Any,
) -> dict[str, Any]:
    """Open a modal for whoever sent `payload`, before any other Slack call: its trigger_id lives three seconds.

    Someone off the roster gets the one line instead (a short database read, no Slack call).
    """
    return opener(
        client,
        trigger_id=payload["trigger_id"],
        actor=stored_actor(deps, user_of(payload)),
        deps=deps,
        **where,
    )


def sealed(deps: Deps, view: dict[str, Any]) -> dict[str, Any]:
    """A modal ready to open: its private_metadata signed with the app's key."""
    return seal(view, deps.metadata_key)


def open_sealed(
    client: WebClient, deps: Deps, *, trigger_id: str, view: dict[str, Any]
) -> dict[str, Any]:
    """Open a modal with its metadata signed; Slack's view as opened (its id, for updates)."""
    return client.views_open(trigger_id=trigger_id, view=sealed(deps, view))["view"]


def meta_of(deps: Deps, view: Mapping[str, Any]) -> ModalMeta:
    """The metadata a submitted modal carried back; a forged or unsigned one means none."""
    return ModalMeta.decode(unseal(view.get("private_metadata"), deps.metadata_key))


def responder(respond: Respond, *, replace_original: bool) -> Callable[[SlackMessage], None]:
    """Answer privately through the response_url, in place of the clicked message when asked."""

    def reply(message: SlackMessage) -> None:
        respond(
            text=message.text,
            blocks=message.blocks,
            response_type="ephemeral",
            replace_original=replace_original,
        )

    return reply
