"""`[[webhooks]]` in pipeline.toml: checked at start, each problem naming its key, the secret never shown."""

from pathlib import Path

import pytest

from bot.config import ConfigError, load_pipeline
from bot.webhook_config import WEBHOOK_EVENTS
from tests.webhookkit import SECRET, pipeline_text

URL = "https://hooks.example.com/pipebot"


def load(tmp_path: Path, *hooks: dict) -> object:
    path = tmp_path / "pipeline.toml"
    path.write_text(pipeline_text(list(hooks)), encoding="utf-8")
    return load_pipeline(path)


def test_no_webhooks_by_default() -> None:
    assert load_pipeline(None).webhooks == ()


def test_a_webhook_with_its_events_and_a_name_made_from_its_url(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        {"url": URL, "secret": SECRET, "events": ["lead.won", "lead.created", "lead.won"]},
        {
            "name": "n8n",
            "url": "http://127.0.0.1:5678/webhook/x",
            "secret": SECRET,
            "events": ["*"],
        },
    )
    crm, n8n = pipeline.webhooks
    assert crm.events == ("lead.won", "lead.created")
    assert crm.name.startswith("hooks.example.com-") and len(crm.name) <= 32
    assert n8n.events == WEBHOOK_EVENTS and n8n.name == "n8n"
    assert pipeline.webhooks_for("lead.created") == (crm, n8n)
    assert pipeline.webhooks_for("touch.logged") == (n8n,)
    assert pipeline.webhook("n8n") is n8n and pipeline.webhook("gone") is None
    assert SECRET not in repr(pipeline) and SECRET not in repr(crm)


def test_the_default_name_changes_with_the_url(tmp_path: Path) -> None:
    one = load(tmp_path, {"url": URL, "secret": SECRET, "events": ["*"]}).webhooks[0]
    two = load(tmp_path, {"url": URL + "2", "secret": SECRET, "events": ["*"]}).webhooks[0]
    assert one.name != two.name


@pytest.mark.parametrize(
    ("hook", "expected"),
    [
        ({"url": "ftp://x.example/", "secret": SECRET, "events": ["*"]}, "webhooks.0.url: "),
        ({"url": "https://u:p@x.example/", "secret": SECRET, "events": ["*"]}, "webhooks.0.url: must not carry"),
        ({"url": URL, "secret": "hunter2", "events": ["*"]}, "webhooks.0.secret: must start with whsec_"),
        ({"url": URL, "secret": "whsec_!!!!", "events": ["*"]}, "webhooks.0.secret: is not whsec_"),
        ({"url": URL, "secret": "whsec_c2hvcnQ=", "events": ["*"]}, "webhooks.0.secret: must hold 24 to 64"),
        ({"url": URL, "secret": SECRET, "events": []}, "webhooks.0.events: needs at least one"),
        ({"url": URL, "secret": SECRET, "events": ["lead.exploded"]}, "webhooks.0.events: unknown event 'lead.exploded'"),
        ({"url": URL, "secret": SECRET, "events": ["*"], "name": "CRM!"}, "webhooks.0.name: "),
        ({"url": URL, "secret": SECRET, "events": ["*"], "extra": 1}, "webhooks.0.extra: "),
        ({"url": URL, "events": ["*"]}, "webhooks.0.secret: "),
    ],
)  # fmt: skip
def test_a_bad_webhook_names_its_key(tmp_path: Path, hook: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, hook)
    message = str(caught.value)
    assert message.split(": ", 1)[1].startswith(expected), message
    assert SECRET not in message


def test_two_webhooks_cannot_share_a_name(tmp_path: Path) -> None:
    hook = {"name": "crm", "url": URL, "secret": SECRET, "events": ["*"]}
    with pytest.raises(ConfigError, match="webhooks: two webhooks are named 'crm'"):
        load(tmp_path, hook, hook)


def test_config_check_lists_webhooks_with_their_secrets_masked(tmp_path: Path) -> None:
    from bot.config_report import build_report
    from tests import support

    path = tmp_path / "pipeline.toml"
    path.write_text(
        pipeline_text([{"name": "crm", "url": URL, "secret": SECRET, "events": ["lead.won"]}]),
        encoding="utf-8",
    )
    config = support.make_config("sqlite:///x.db", PIPEBOT_CONFIG=str(path))
    text = "\n".join(build_report(config).lines)
    assert "Webhooks" in text and f"{URL} (secret whsec_****): lead.won" in text
    assert SECRET not in text
