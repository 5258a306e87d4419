"""The Web API methods the fake answers, each turning decoded arguments into a Slack response."""

import mimetypes
from collections.abc import Callable, Mapping
from typing import Any

from .blockkit import message_problem, view_problem
from .defaults import BOT_NAME, TEAM_DOMAIN, TEAM_NAME
from .workspace import ApiError, Upload, Workspace

Args = Mapping[str, Any]
Result = dict[str, Any]
Handler = Callable[[Workspace, Args], Result]

JSON_FIELDS = frozenset({"blocks", "attachments", "metadata", "view", "files"})
HISTORY_LIMIT_DEFAULT = 100


def _flag(args: Args, name: str) -> bool:
    """A boolean argument as slack_sdk sends it: JSON true, or "1"/"true" in forms."""
    return args.get(name) in (True, 1, "1", "true", "True")


def _int(args: Args, name: str, default: int) -> int:
    """An integer argument that may arrive as a string; bad values are invalid_arguments."""
    value = args.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError("invalid_arguments", f"{name} must be an integer") from None


def _float(args: Args, name: str, default: float) -> float:
    """A Slack timestamp argument such as "1712345678.000100"; bad values are invalid_arguments."""
    value = args.get(name)
    if value in (None, ""):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ApiError("invalid_arguments", f"{name} must be a timestamp") from None


def _check_message(args: Args) -> None:
    """Refuse message arguments Slack would refuse."""
    problem = message_problem(args)
    if problem:
        raise ApiError(problem.error, problem.detail)


def _check_view(view: Any, kind: str | None) -> None:
    """Refuse a view Slack would refuse."""
    problem = view_problem(view, kind=kind)
    if problem:
        raise ApiError(problem.error, problem.detail)


def auth_test(ws: Workspace, args: Args) -> Result:
    """auth.test for the bot token, shaped like bolt's mock server answer."""
    return {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_NAME,
        "user": BOT_NAME,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
    }


def apps_connections_open(ws: Workspace, args: Args) -> Result:
    """apps.connections.open for an app-level token: the Socket Mode server's URL once started.

    Without FakeSlack.socket_mode() nothing serves the WebSocket at the URL returned.
    """
    if ws.socket_mode_url is not None:
        return {"url": ws.socket_mode_url()}
    return {"url": f"{ws.origin.replace('http', 'ws', 1)}/link/?ticket=fake"}


def users_info(ws: Workspace, args: Args) -> Result:
    """users.info from the directory, with tz fields for the current wall-clock instant."""
    user = ws.directory.info(str(args.get("user", "")), ws.now())
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user}


def usergroups_users_list(ws: Workspace, args: Args) -> Result:
    """usergroups.users.list: the member ids of a user group."""
    usergroup = str(args.get("usergroup") or "")
    if usergroup not in ws.usergroups:
        raise ApiError("no_such_subteam")
    return {"users": list(ws.usergroups[usergroup])}


def users_lookup_by_email(ws: Workspace, args: Args) -> Result:
    """users.lookupByEmail: the user with that profile email, as users.info shows them."""
    user_id = ws.directory.by_email(str(args.get("email", "")))
    if user_id is None:
        raise ApiError("users_not_found")
    return {"user": ws.directory.info(user_id, ws.now())}


def conversations_open(ws: Workspace, args: Args) -> Result:
    """conversations.open: the stable DM with one user, or a group DM with several."""
    if args.get("channel"):
        return {"channel": {"id": ws.resolve_channel(args["channel"], allow_user=False)}}
    raw = args.get("users") or ""
    users = [
        u.strip() for u in (raw if isinstance(raw, list) else str(raw).split(",")) if u.strip()
    ]
    if not users:
        raise ApiError("users_list_not_supplied")
    if len(users) == 1:
        channel_id = ws.dm_channel(users[0])
    else:
        for user in users:
            ws.dm_channel(user)
        channel_id = ws.group_dms.setdefault(frozenset(users), ws.new_id("G"))
    already_open = channel_id in ws.messages
    ws.messages.setdefault(channel_id, [])
    return {"no_op": already_open, "already_open": already_open, "channel": {"id": channel_id}}


def conversations_info(ws: Workspace, args: Args) -> Result:
    """conversations.info: the bot's membership of a channel, or a DM with a known user."""
    channel = ws.resolve_channel(args.get("channel"), allow_user=False)
    if channel[0] == "D":
        return {"channel": {"id": channel, "is_im": True, "user": channel[1:], "is_open": True}}
    private = channel[0] == "G"
    return {
        "channel": {
            "id": channel,
            "name": channel.lower(),
            "is_channel": not private,
            "is_group": private,
            "is_im": False,
            "is_mpim": False,
            "is_private": private,
            "is_archived": False,
            "is_general": False,
            "is_member": channel not in ws.outside,
            "created": 1700000000,
            "creator": ws.bot_user_id,
        }
    }


def chat_post_message(ws: Workspace, args: Args) -> Result:
    """chat.postMessage; a user id as channel posts into that user's DM."""
    channel = ws.resolve_channel(args.get("channel"))
    ws.require_member(channel)
    _check_message(args)
    message = ws.post(channel, args)
    return {"channel": channel, "ts": message["ts"], "message": message}


def chat_post_ephemeral(ws: Workspace, args: Args) -> Result:
    """chat.postEphemeral: a message only one user sees."""
    channel = ws.resolve_channel(args.get("channel"))
    user = args.get("user")
    if user not in ws.directory:
        raise ApiError("user_not_found")
    _check_message(args)
    fields = {
        key: args[key] for key in ("text", "blocks", "attachments", "thread_ts") if key in args
    }
    return {"message_ts": ws.add_ephemeral(channel, str(user), fields, "chat.postEphemeral")}


def chat_update(ws: Workspace, args: Args) -> Result:
    """chat.update of an existing channel+ts."""
    channel = ws.resolve_channel(args.get("channel"), allow_user=False)
    message = ws.find_message(channel, args.get("ts"))
    _check_message(args)
    ws.edit(message, args)
    return {"channel": channel, "ts": message["ts"], "text": message["text"], "message": message}


def chat_delete(ws: Workspace, args: Args) -> Result:
    """chat.delete of an existing channel+ts."""
    channel = ws.resolve_channel(args.get("channel"), allow_user=False)
    ws.remove(channel, str(args.get("ts")))
    return {"channel": channel, "ts": args.get("ts")}


def chat_get_permalink(ws: Workspace, args: Args) -> Result:
    """chat.getPermalink of an existing message."""
    channel = ws.resolve_channel(args.get("channel"), allow_user=False)
    ts = ws.find_message(channel, args.get("message_ts"))["ts"]
    permalink = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    return {"channel": channel, "permalink": permalink}


def conversations_history(ws: Workspace, args: Args) -> Result:
    """conversations.history: top-level messages newest first; metadata only on request."""
    channel = ws.resolve_channel(args.get("channel"), allow_user=False)
    ws.require_member(channel)
    inclusive = _flag(args, "inclusive")
    oldest = _float(args, "oldest", 0.0)
    latest = _float(args, "latest", float("inf"))
    limit = max(1, min(_int(args, "limit", HISTORY_LIMIT_DEFAULT), 999))

    def in_range(ts: float) -> bool:
        above = ts >= oldest if inclusive else ts > oldest
        below = ts <= latest if inclusive else ts < latest
        return above and below

    top_level = [
        m
        for m in ws.messages.get(channel, [])
        if m.get("thread_ts", m["ts"]) == m["ts"] and in_range(float(m["ts"]))
    ]
    newest_first = sorted(top_level, key=lambda m: float(m["ts"]), reverse=True)
    with_metadata = _flag(args, "include_all_metadata")
    page = [
        m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
        for m in newest_first[:limit]
    ]
    return {
        "messages": page,
        "has_more": len(newest_first) > limit,
        "pin_count": 0,
        "response_metadata": {"next_cursor": ""},
    }


def views_open(ws: Workspace, args: Args) -> Result:
    """views.open with a trigger_id the fake issued."""
    ws.exchange_trigger(args.get("trigger_id"))
    _check_view(args.get("view"), "modal")
    view = ws.store_view(args["view"])
    ws.opened.append(view["id"])
    return {"view": view}


def views_push(ws: Workspace, args: Args) -> Result:
    """views.push with a trigger_id the fake issued."""
    ws.exchange_trigger(args.get("trigger_id"))
    _check_view(args.get("view"), "modal")
    view = ws.store_view(args["view"])
    ws.opened.append(view["id"])
    return {"view": view}


def views_update(ws: Workspace, args: Args) -> Result:
    """views.update of a stored view by view_id or external_id, honouring hash."""
    existing = ws.find_view(args.get("view_id"), args.get("external_id"))
    if args.get("hash") and args["hash"] != existing["hash"]:
        raise ApiError("hash_conflict")
    _check_view(args.get("view"), existing["type"])
    return {"view": ws.store_view(args["view"], existing=existing)}


def views_publish(ws: Workspace, args: Args) -> Result:
    """views.publish of a user's Home tab."""
    user_id = args.get("user_id")
    if user_id not in ws.directory:
        raise ApiError("user_not_found")
    existing = ws.views.get(ws.homes.get(str(user_id), ""))
    if existing and args.get("hash") and args["hash"] != existing["hash"]:
        raise ApiError("hash_conflict")
    _check_view(args.get("view"), "home")
    view = ws.store_view(args["view"], existing=existing)
    ws.homes[str(user_id)] = view["id"]
    return {"view": view}


def files_get_upload_url_external(ws: Workspace, args: Args) -> Result:
    """files.getUploadURLExternal: an upload_url on the fake and a file id."""
    filename = args.get("filename")
    length = _int(args, "length", 0)
    if not filename or length <= 0:
        raise ApiError("invalid_arguments", "filename and length are required")
    file_id = ws.new_id("F")
    ws.uploads[file_id] = Upload(file_id, str(filename), length)
    return {"upload_url": f"{ws.origin}/upload/v1/{file_id}", "file_id": file_id}


def _shared_in(upload: Upload, prefix: str) -> list[str]:
    """The conversations of one kind (C… public, G… private, D… DM) a file was shared in."""
    channel = upload.channel_id
    return [channel] if channel and channel[0] == prefix else []


def _file_object(ws: Workspace, upload: Upload) -> Result:
    """The file object Slack returns once an upload is complete (and files.list lists)."""
    mimetype = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
    return {
        "id": upload.file_id,
        "created": upload.created,
        "timestamp": upload.created,
        "name": upload.filename,
        "title": upload.title or upload.filename,
        "mimetype": mimetype,
        "filetype": upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "binary",
        "size": len(upload.content or b""),
        "user": ws.bot_user_id,
        "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{ws.bot_user_id}/{upload.file_id}",
        "channels": _shared_in(upload, "C"),
        "groups": _shared_in(upload, "G"),
        "ims": _shared_in(upload, "D"),
    }


def files_complete_upload_external(ws: Workspace, args: Args) -> Result:
    """files.completeUploadExternal: every file must have been uploaded; shares into channel_id."""
    files = args.get("files")
    if not isinstance(files, list) or not files:
        raise ApiError("invalid_arguments", "files must be a non-empty JSON array")
    uploads: list[Upload] = []
    for entry in files:
        upload = ws.uploads.get(entry.get("id")) if isinstance(entry, dict) else None
        if upload is None or upload.content is None or upload.completed:
            raise ApiError("file_not_found")
        upload.title = entry.get("title")
        uploads.append(upload)
    target = args.get("channel_id") or str(args.get("channels") or "").split(",")[0]
    channel = ws.resolve_channel(target, allow_user=False) if target else None
    for upload in uploads:
        upload.completed = True
        upload.created = int(ws.wall_clock())
        upload.channel_id = channel
        upload.initial_comment = args.get("initial_comment")
        upload.thread_ts = args.get("thread_ts")
    objects = [_file_object(ws, upload) for upload in uploads]
    if channel:
        fields = {"text": args.get("initial_comment") or "", "thread_ts": args.get("thread_ts")}
        ws.post(
            channel, {k: v for k, v in fields.items() if v is not None}, files=objects, upload=True
        )
    return {"files": objects}


# files.list filters by these `types`; `all` (the default) keeps every file.
_FILE_TYPES: dict[str, Callable[[str], bool]] = {
    "images": lambda mimetype: mimetype.startswith("image/"),
    "pdfs": lambda mimetype: mimetype == "application/pdf",
    "zips": lambda mimetype: mimetype == "application/zip",
    "snippets": lambda mimetype: mimetype.startswith("text/"),
}


def files_list(ws: Workspace, args: Args) -> Result:
    """files.list: completed files newest first, filtered by channel, user, time and type, paged."""
    channel = ws.resolve_channel(args["channel"], allow_user=False) if args.get("channel") else None
    ts_from = _float(args, "ts_from", 0.0)
    ts_to = _float(args, "ts_to", float("inf"))
    types = [t for t in str(args.get("types") or "all").split(",") if t and t != "all"]
    for kind in types:
        if kind not in _FILE_TYPES:
            raise ApiError("invalid_types", f"unknown file type {kind!r}")
    user = args.get("user")
    count = max(1, min(_int(args, "count", 100), 1000))
    page = max(1, _int(args, "page", 1))
    found = []
    for upload in ws.uploads.values():
        if not upload.completed or upload.created is None:
            continue
        if channel is not None and upload.channel_id != channel:
            continue
        if user and user != ws.bot_user_id:
            continue
        if not ts_from <= upload.created <= ts_to:
            continue
        shown = _file_object(ws, upload)
        if types and not any(_FILE_TYPES[kind](shown["mimetype"]) for kind in types):
            continue
        found.append(shown)
    found.sort(key=lambda shown: (shown["created"], shown["id"]), reverse=True)
    pages = max(1, -(-len(found) // count))
    return {
        "files": found[(page - 1) * count : page * count],
        "paging": {"count": count, "total": len(found), "page": page, "pages": pages},
    }


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "apps.connections.open": apps_connections_open,
    "users.info": users_info,
    "usergroups.users.list": usergroups_users_list,
    "users.lookupByEmail": users_lookup_by_email,
    "conversations.open": conversations_open,
    "conversations.history": conversations_history,
    "conversations.info": conversations_info,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.getPermalink": chat_get_permalink,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
    "files.list": files_list,
}
