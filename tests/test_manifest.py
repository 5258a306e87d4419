"""manifest.yml is valid for Slack and lists exactly what the code registers."""

import json
from pathlib import Path

import jsonschema
import yaml

from bot.slack.ids import Command, Event, Shortcut

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "manifest.schema.1.0.0.json").read_text())


def load_manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_is_valid_against_slack_schema() -> None:
    jsonschema.validate(load_manifest(), SCHEMA)


def test_manifest_lists_the_commands_and_shortcuts_in_code() -> None:
    manifest = load_manifest()
    commands = {entry["command"] for entry in manifest["features"]["slash_commands"]}
    shortcuts = {entry["callback_id"] for entry in manifest["features"]["shortcuts"]}
    assert commands == {command.value for command in Command}
    assert shortcuts == {shortcut.value for shortcut in Shortcut}
    assert all(entry["should_escape"] for entry in manifest["features"]["slash_commands"])
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        event.value for event in Event
    }


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


def test_code_registers_exactly_the_manifest() -> None:
    from handlers import register_all

    recorder = RecordingApp()
    register_all(recorder)  # type: ignore[arg-type]
    manifest = load_manifest()
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
