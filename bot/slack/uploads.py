"""Files the bot shares on its own (the weekly report's chart), as the outbox stores and the sender uploads them.

An outbox row holds a file as `{"file": {"filename", "title", "alt_txt", "content_b64"},
"initial_comment": …}`. Uploads have no idempotency key and no message metadata, so the file is
named after the row's idempotency key (`upload_name`): before an upload whose earlier attempt may
have been shared is repeated, `files.list` in that conversation since the attempt is searched for
that name (`bot.slack.reconcile.find_uploaded`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from slack_sdk import WebClient

FILE = "file"
_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


@dataclass(frozen=True)
class SlackFile:
    """A file before it is shared: its bytes, a title people see, alt text and the message it comes with."""

    content: bytes
    filename: str
    title: str
    alt_text: str = ""
    initial_comment: str = ""

    def payload(self) -> dict[str, Any]:
        """What the outbox stores: the bytes as base64 beside the names."""
        data: dict[str, Any] = {
            FILE: {
                "filename": self.filename,
                "title": self.title,
                "alt_txt": self.alt_text,
                "content_b64": base64.b64encode(self.content).decode("ascii"),
            }
        }
        if self.initial_comment:
            data["initial_comment"] = self.initial_comment
        return data


def is_file(payload: Mapping[str, Any]) -> bool:
    """True for a stored file upload, False for a message."""
    return isinstance(payload.get(FILE), Mapping)


def upload_name(key: str, filename: str) -> str:
    """The name a file is shared under: its idempotency key made file-safe, with the file's extension.

    `weekly-report:2026-11-30:chart:USD` and `chart.png` give `weekly-report_2026-11-30_chart_USD.png`.
    """
    return _UNSAFE.sub("_", key).strip("_.")[:200] + PurePosixPath(filename).suffix


def upload_file(client: WebClient, *, channel: str, key: str, payload: Mapping[str, Any]) -> str:
    """Upload and share a stored file in `channel` (a conversation id) with `files_upload_v2`; its file id."""
    file = payload[FILE]
    response = client.files_upload_v2(
        channel=channel,
        file=base64.b64decode(file["content_b64"]),
        filename=upload_name(key, file["filename"]),
        title=file.get("title") or None,
        alt_txt=file.get("alt_txt") or None,
        initial_comment=payload.get("initial_comment") or None,
    )
    return str(response["files"][0]["id"])
