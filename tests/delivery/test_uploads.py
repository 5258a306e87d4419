"""Files through the outbox: shared once with files_upload_v2, through 429s, 5xx, dropped answers and crashes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.deps import Deps
from bot.services import outbox
from bot.services.outbox import PRIORITY_DIGEST, enqueue
from bot.slack import reconcile
from bot.slack.sender import deliver
from bot.slack.uploads import SlackFile, upload_name
from tests.delivery.conftest import USERS, FakeSleep
from tests.delivery.helpers import rows
from tests.delivery.test_recovery import Crash
from tests.fakeslack import FILE_UPLOAD, FakeSlack

MINUTE = timedelta(minutes=1)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
KEY = "weekly-report:2026-11-30:chart:USD"
CHANNEL = "C0MANAGERS"


def add_file(deps: Deps, key: str = KEY, recipient: str = CHANNEL, content: bytes = PNG) -> bool:
    chart = SlackFile(
        content, "chart.png", "Pipeline · USD", alt_text="Funnel", initial_comment="Chart"
    )
    with deps.session_factory.begin() as session:
        return enqueue(session, key=key, kind="weekly-report-chart", recipient=recipient,
                       message=chart, now=deps.clock.now(), priority=PRIORITY_DIGEST)  # fmt: skip


def shared(fake: FakeSlack, channel: str = CHANNEL) -> list[tuple[str, bytes | None]]:
    return [(upload.filename, upload.content) for upload in fake.shared_files(channel)]


def test_a_file_is_uploaded_once_named_after_its_key_and_its_id_recorded(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    assert add_file(sdeps) is True
    assert add_file(sdeps) is False

    report = deliver(sdeps, owner="a", sleep=sleep)
    again = deliver(sdeps, owner="b", sleep=sleep)

    assert (report.sent, again.handled) == (1, 0)
    name = "weekly-report_2026-11-30_chart_USD.png"
    assert upload_name(KEY, "chart.png") == name
    assert shared(fake) == [(name, PNG)]
    [upload] = fake.shared_files(CHANNEL)
    assert (upload.title, upload.initial_comment) == ("Pipeline · USD", "Chart")
    assert fake.last("files.getUploadURLExternal").args["alt_txt"] == "Funnel"
    row = rows(sdeps)[KEY]
    assert (row.status, row.slack_channel, row.slack_ts) == ("sent", CHANNEL, upload.file_id)
    # The file's message is in the channel; nothing was looked up on a first attempt.
    assert fake.channel_messages(CHANNEL)[-1]["files"][0]["name"] == name
    assert fake.calls("files.list") == [] and fake.calls("chat.postMessage") == []


def test_a_file_for_a_person_goes_into_their_dm(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add_file(sdeps, key="pipeline-report:dm:U1", recipient=USERS[0])

    deliver(sdeps, owner="a", sleep=sleep)

    dm = fake.dm_channel(USERS[0])
    assert [name for name, _ in shared(fake, dm)] == ["pipeline-report_dm_U1.png"]
    assert rows(sdeps)["pipeline-report:dm:U1"].slack_channel == dm
    assert len(fake.calls("conversations.open")) == 1


def test_a_429_pauses_and_retries_without_counting_an_attempt(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add_file(sdeps)
    fake.fail_next("files.getUploadURLExternal", status=429, retry_after=7)

    report = deliver(sdeps, owner="a", sleep=sleep, until=sdeps.clock.now() + MINUTE)

    assert (report.deferred, report.sent) == (1, 1)
    calls = fake.calls("files.getUploadURLExternal")
    assert calls[1].at - calls[0].at >= 7
    assert len(shared(fake)) == 1 and rows(sdeps)[KEY].attempts == 0
    assert fake.calls("files.list") == []  # a refused first step shared nothing


@pytest.mark.parametrize(
    "step", ["files.getUploadURLExternal", FILE_UPLOAD, "files.completeUploadExternal"]
)
def test_a_server_error_at_any_step_is_retried_and_shares_one_file(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep, step: str
) -> None:
    add_file(sdeps)
    fake.fail_next(step, status=503)

    report = deliver(sdeps, owner="a", sleep=sleep, until=sdeps.clock.now() + MINUTE)

    assert (report.retried, report.sent) == (1, 1)
    assert len(shared(fake)) == 1
    # Whatever step failed, the retry first looked for the file in the channel.
    assert len(fake.calls("files.list")) == 1
    row = rows(sdeps)[KEY]
    assert (row.status, row.attempts) == ("sent", 1)


@pytest.mark.parametrize("step", ["files.completeUploadExternal", FILE_UPLOAD])
def test_a_dropped_answer_is_reconciled_from_files_list(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep, step: str
) -> None:
    add_file(sdeps)
    fake.fail_after_accept(step)

    report = deliver(sdeps, owner="a", sleep=sleep, until=sdeps.clock.now() + MINUTE)

    files = shared(fake)
    assert len(files) == 1
    if step == FILE_UPLOAD:
        # The bytes arrived but the file was never completed: the retry uploads it again.
        assert (report.retried, report.sent, report.reconciled) == (1, 1, 0)
    else:
        # Slack shared it and the answer was lost: the lookup finds it and nothing is uploaded again.
        assert (report.retried, report.reconciled) == (1, 1)
        assert len(fake.calls("files.getUploadURLExternal")) == 1
        assert rows(sdeps)[KEY].slack_ts == fake.shared_files(CHANNEL)[0].file_id


def test_a_crash_after_slack_shared_the_file_is_reconciled_by_another_sender(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_file(sdeps, recipient=USERS[1])

    def die(*args: object, **kwargs: object) -> bool:
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(outbox, "mark_sent", die)
        with pytest.raises(Crash):
            deliver(sdeps, owner="dead", sleep=sleep)
    sleep.clock.advance(timedelta(seconds=61))

    report = deliver(sdeps, owner="survivor", sleep=sleep)

    dm = fake.dm_channel(USERS[1])
    assert (report.reconciled, report.sent) == (1, 0) and len(shared(fake, dm)) == 1
    assert fake.last("files.list").args["channel"] == dm
    assert len(fake.calls("files.completeUploadExternal")) == 1
    assert rows(sdeps)[KEY].slack_ts == fake.shared_files(dm)[0].file_id


def test_a_permanent_error_is_recorded_and_nothing_is_retried(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep
) -> None:
    add_file(sdeps)
    fake.fail_next("files.completeUploadExternal", error="not_in_channel")

    report = deliver(sdeps, owner="a", sleep=sleep, until=sdeps.clock.now() + MINUTE)

    row = rows(sdeps)[KEY]
    assert (report.failed, row.status, row.last_error) == (1, "failed", "not_in_channel")
    assert shared(fake) == []


def test_files_list_pages_back_and_gives_up_past_its_limit(
    sdeps: Deps, fake: FakeSlack, sleep: FakeSleep, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_file(sdeps)
    fake.fail_after_accept("files.completeUploadExternal")
    deliver(sdeps, owner="a", sleep=sleep, max_messages=1)
    for n in range(5):
        sleep(1)
        add_file(sdeps, key=f"other:{n}")
    deliver(sdeps, owner="a", sleep=sleep, max_messages=5)
    monkeypatch.setattr(reconcile, "FILES_PAGE_SIZE", 2)

    found = reconcile.find_uploaded(
        reconcile_client(sdeps),
        channel=CHANNEL,
        name=upload_name(KEY, "chart.png"),
        since=sdeps.clock.now() - timedelta(minutes=10),
    )
    assert found == fake.shared_files(CHANNEL)[0].file_id
    assert [call.args["page"] for call in fake.calls("files.list")][-3:] == ["1", "2", "3"]
    monkeypatch.setattr(reconcile, "HISTORY_MAX_PAGES", 2)
    with pytest.raises(reconcile.Inconclusive):
        reconcile.find_uploaded(
            reconcile_client(sdeps),
            channel=CHANNEL,
            name="nowhere.png",
            since=sdeps.clock.now() - timedelta(minutes=10),
        )


def reconcile_client(deps: Deps):
    from slack_sdk import WebClient

    assert deps.slack is not None
    return WebClient(token=deps.slack.token, base_url=deps.slack.base_url, retry_handlers=[])
