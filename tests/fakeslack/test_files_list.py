"""The fake's files.list and upload-URL faults, driven through a real slack_sdk WebClient."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.error import HTTPError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.fakeslack import FILE_UPLOAD, FakeSlack

START = 1_780_000_000.0


class WallClock:
    """A wall clock the test moves."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


@pytest.fixture
def fake(wall: WallClock) -> Iterator[FakeSlack]:
    with FakeSlack(rate_limits=False, wall_clock=wall) as running:
        running.add_user("U0DANA", name="dana")
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.base_url, retry_handlers=[])


def upload(client: WebClient, channel: str, name: str) -> str:
    return str(
        client.files_upload_v2(channel=channel, file=b"\x89PNG", filename=name)["file"]["id"]
    )


def test_files_list_is_newest_first_filtered_by_channel_and_time_and_paged(
    fake: FakeSlack, client: WebClient, wall: WallClock
) -> None:
    first = upload(client, "C0SALES", "a.png")
    wall.now += 10
    second = upload(client, "C0SALES", "b.png")
    upload(client, "C0OTHER", "c.png")
    wall.now += 10
    third = upload(client, "C0SALES", "d.csv")

    listed = client.files_list(channel="C0SALES")
    assert [f["id"] for f in listed["files"]] == [third, second, first]
    assert listed["paging"] == {"count": 100, "total": 3, "page": 1, "pages": 1}
    assert listed["files"][0]["channels"] == ["C0SALES"] and listed["files"][0]["created"]

    since = client.files_list(channel="C0SALES", ts_from=str(int(START + 10)), types="images")
    assert [f["name"] for f in since["files"]] == ["b.png"]
    paged = client.files_list(channel="C0SALES", count=2, page=2)
    assert [f["id"] for f in paged["files"]] == [first]
    assert paged["paging"] == {"count": 2, "total": 3, "page": 2, "pages": 2}


def test_a_dm_file_is_listed_under_ims(fake: FakeSlack, client: WebClient) -> None:
    dm = fake.dm_channel("U0DANA")
    upload(client, dm, "chart.png")
    [shown] = client.files_list(channel=dm)["files"]
    assert (shown["ims"], shown["channels"]) == ([dm], [])
    assert [u.filename for u in fake.shared_files("U0DANA")] == ["chart.png"]


def test_an_unknown_type_is_refused(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.files_list(types="holograms")
    assert refused.value.response["error"] == "invalid_types"


def test_upload_url_faults_fail_the_upload_step_only(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next(FILE_UPLOAD, status=500)
    with pytest.raises(HTTPError):
        upload(client, "C0SALES", "a.png")
    assert [c.status for c in fake.calls(FILE_UPLOAD)] == [500]
    assert fake.shared_files("C0SALES") == []

    fake.fail_after_accept(FILE_UPLOAD)
    with pytest.raises(Exception):  # noqa: B017 - the connection drops; the exact error is urllib's
        upload(client, "C0SALES", "b.png")
    assert [u.content for u in fake.uploads()][-1] == b"\x89PNG"
    assert fake.calls("files.completeUploadExternal") == []
