"""manifest.yml and manifest.http.yml are valid for Slack and list exactly what the code registers."""

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from bot.slack.ids import Command, Event, Shortcut

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "manifest.schema.1.0.0.json").read_text())
MANIFESTS = ("manifest.yml", "manifest.http.yml")


def load_manifest(name: str = "manifest.yml") -> dict:
    return yaml.safe_load((ROOT / name).read_text())


@pytest.fixture(params=MANIFESTS)
def manifest(request: pytest.FixtureRequest) -> dict:
    return load_manifest(request.param)


def test_manifest_is_valid_against_slack_schema(manifest: dict) -> None:
    jsonschema.validate(manifest, SCHEMA)


def test_manifest_lists_the_commands_and_shortcuts_in_code(manifest: dict) -> None:
    commands = {entry["command"] for entry in manifest["features"]["slash_commands"]}
    shortcuts = {entry["callback_id"] for entry in manifest["features"]["shortcuts"]}
    assert commands == {command.value for command in Command}
    assert shortcuts == {shortcut.value for shortcut in Shortcut}
    assert all(entry["should_escape"] for entry in manifest["features"]["slash_commands"])
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        event.value for event in Event
    }


def test_scopes_post_only_where_the_bot_is_a_member_and_let_it_check_that(manifest: dict) -> None:
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    # The sender reads the managers' channel's history before a re-send, so the bot must be in it
    # anyway; start-up checks that with conversations.info.
    assert "chat:write.public" not in scopes
    assert {
        "chat:write",
        "channels:history",
        "groups:history",
        "channels:read",
        "groups:read",
    } <= scopes


def request_urls(manifest: dict) -> list[str]:
    settings = manifest["settings"]
    urls = [
        settings["event_subscriptions"].get("request_url"),
        settings["interactivity"].get("request_url"),
        settings["interactivity"].get("message_menu_options_url"),
        *(entry.get("url") for entry in manifest["features"]["slash_commands"]),
    ]
    return [url for url in urls if url is not None]


def test_socket_mode_manifest_has_no_request_urls() -> None:
    manifest = load_manifest("manifest.yml")
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert request_urls(manifest) == []


def test_http_manifest_sends_every_request_to_one_placeholder_host() -> None:
    manifest = load_manifest("manifest.http.yml")
    assert manifest["settings"]["socket_mode_enabled"] is False
    urls = request_urls(manifest)
    assert len(urls) == 3 + len(manifest["features"]["slash_commands"])
    assert set(urls) == {"https://pipebot.example.com/slack/events"}
    assert {urlsplit(url).path for url in urls} == {"/slack/events"}  # pipebot's one route


def without_transport(manifest: dict) -> dict[str, Any]:
    """The manifest less what differs between Socket Mode and HTTP."""
    copy = json.loads(json.dumps(manifest))
    copy["settings"].pop("socket_mode_enabled")
    copy["settings"]["event_subscriptions"].pop("request_url", None)
    copy["settings"]["interactivity"].pop("request_url", None)
    copy["settings"]["interactivity"].pop("message_menu_options_url", None)
    for entry in copy["features"]["slash_commands"]:
        entry.pop("url", None)
    return copy


def test_both_manifests_describe_the_same_app() -> None:
    assert without_transport(load_manifest("manifest.http.yml")) == without_transport(
        load_manifest("manifest.yml")
    )


class RecordingApp:
    """Stands in for the Bolt App to see which ids each surface's register() wires."""

    def __init__(self) -> None:
        self.ids: dict[str, set[str]] = {}

    def __getattr__(self, kind: str):
        def listener(constraint=None, *args, **kwargs):
            if isinstance(constraint, dict):
                constraint = (
                    constraint.get("callback_id")
                    or constraint.get("action_id")
                    or constraint.get("type")
                )
            self.ids.setdefault(kind, set()).add(str(constraint))
            return lambda function: function

        return listener


def test_code_registers_exactly_the_manifest(manifest: dict) -> None:
    from handlers import register_all

    recorder = RecordingApp()
    register_all(recorder)  # type: ignore[arg-type]
    assert recorder.ids.get("command", set()) == {
        e["command"] for e in manifest["features"]["slash_commands"]
    }
    assert recorder.ids.get("shortcut", set()) | recorder.ids.get(
        "message_shortcut", set()
    ) | recorder.ids.get("global_shortcut", set()) == {
        e["callback_id"] for e in manifest["features"]["shortcuts"]
    }
    assert recorder.ids.get("event", set()) == set(
        manifest["settings"]["event_subscriptions"]["bot_events"]
    )
