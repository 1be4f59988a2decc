"""The v2 media upload endpoints, in spec 2.167's dialect and in the command dialect of X's
quickstart (`command=INIT|APPEND|FINALIZE` on POST /2/media/upload, `STATUS` on GET).

Commands share the rate-limit window of the URL they are sent to, POST /2/media/upload.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict

from botauth_sandbox import bodies, media, problems, query, ratelimit, schema
from botauth_sandbox.api import Answer, endpoint, methods
from botauth_sandbox.calls import Call

JSON_UPLOAD_LIMIT = 4 * (media.SIZE_LIMITS["tweet_image"] // 3 + 1) + 64 * 1024
JSON_LIMIT = 64 * 1024
ONE_SHOT_FIELDS = {"media", "media_category", "media_type", "additional_owners"}
COMMAND_FIELDS = {
    "INIT": {
        "command",
        "media_type",
        "total_bytes",
        "media_category",
        "additional_owners",
        "shared",
    },
    "APPEND": {"command", "media_id", "segment_index", "media"},
    "FINALIZE": {"command", "media_id"},
}


@endpoint(resource=ratelimit.MEDIA_UPLOAD, write=True)
def upload(request: HttpRequest, call: Call) -> Answer:
    if bodies.is_json(request):
        body = bodies.json_object(request, limit=JSON_UPLOAD_LIMIT)
        _check(schema.MEDIA_UPLOAD_REQUEST, body)
        received = bodies.base64_media(body["media"])
        return _one_shot(call, received, body)
    form = bodies.form(request)
    params = _params(form.fields, request.GET)
    command = params.get("command")
    if command is None:
        _only(form.names(), ONE_SHOT_FIELDS)
        found = form.media()
        if found is None or "media_category" not in params:
            raise problems.invalid_request(
                {"message": "$.media and $.media_category are required for an upload."}
            )
        _check(
            schema.MEDIA_UPLOAD_REQUEST["properties"]["media_category"], params["media_category"]
        )
        return _one_shot(call, found, params)
    if command not in COMMAND_FIELDS:
        raise problems.invalid_parameter(
            "command", command, f"The command [{command}] is not one of [INIT,APPEND,FINALIZE]."
        )
    _only(form.names() | set(request.GET), COMMAND_FIELDS[command])
    if command == "INIT":
        return _initialize(call, _init_body(params))
    media_id = _required(params, "media_id")
    query.check_path("media_id", media_id, query.ID_PATTERN)
    if command == "APPEND":
        return _append(call, media_id, _segment(params.get("segment_index")), form.media())
    return Answer({"data": media.data(media.finalize(owner=call.user, media_id=media_id))})


@endpoint(resource=ratelimit.MEDIA_STATUS, write=True)
def status(request: HttpRequest, call: Call) -> Answer:
    _only(
        set(request.GET) - {k for k in request.GET if k.startswith("oauth_")},
        {"command", "media_id"},
    )
    command = request.GET.get("command", "STATUS")
    if command != "STATUS":
        raise problems.invalid_parameter(
            "command",
            command,
            f"The `command` query parameter value [{command}] is not one of [STATUS]",
        )
    media_id = _required(request.GET, "media_id")
    query.check_path("media_id", media_id, query.ID_PATTERN)
    return Answer({"data": media.data(media.status(owner=call.user, media_id=media_id))})


@endpoint(resource=ratelimit.MEDIA_INITIALIZE, write=True)
def initialize(request: HttpRequest, call: Call) -> Answer:
    if bodies.is_json(request):
        return _initialize(call, bodies.json_object(request, limit=JSON_LIMIT))
    return _initialize(call, _init_body(_params(bodies.form(request).fields, request.GET)))


@endpoint(resource=ratelimit.MEDIA_APPEND, write=True)
def append(request: HttpRequest, call: Call, id: str) -> Answer:
    query.check_path("id", id, query.ID_PATTERN)
    if bodies.is_json(request):
        body = bodies.json_object(request, limit=4 * (media.SEGMENT_LIMIT // 3 + 1) + JSON_LIMIT)
        _check(schema.APPEND_MEDIA_UPLOAD_REQUEST, body)
        return _append(call, id, body["segment_index"], bodies.base64_media(body["media"]))
    form = bodies.form(request)
    _only(form.names(), {"media", "segment_index"})
    return _append(call, id, _segment(form.fields.get("segment_index")), form.media())


@endpoint(resource=ratelimit.MEDIA_FINALIZE, write=True)
def finalize(request: HttpRequest, call: Call, id: str) -> Answer:
    query.check_path("id", id, query.ID_PATTERN)
    return Answer({"data": media.data(media.finalize(owner=call.user, media_id=id))})


media_upload = methods(GET=status, POST=upload)
media_initialize = methods(POST=initialize)
media_append = methods(POST=append)
media_finalize = methods(POST=finalize)


def _one_shot(call: Call, received: bodies.Received, params: Any) -> Answer:
    owners = params.get("additional_owners") or ""
    created = media.upload(
        owner=call.user,
        received=received,
        media_category=params["media_category"],
        media_type=params.get("media_type"),
        additional_owners=[owner for owner in owners.split(",") if owner],
    )
    return Answer({"data": media.data(created)})


def _initialize(call: Call, body: dict[str, Any]) -> Answer:
    _check(schema.INITIALIZE_MEDIA_UPLOAD_REQUEST, body)
    for name in ("media_type", "total_bytes"):
        if name not in body:
            raise problems.invalid_request({"message": f"$.{name}: is missing but it is required"})
    created = media.initialize(
        owner=call.user,
        media_type=body["media_type"],
        total_bytes=body["total_bytes"],
        media_category=body.get("media_category"),
        additional_owners=body.get("additional_owners", []),
    )
    return Answer({"data": media.initialize_data(created)})


def _append(call: Call, media_id: str, index: int, received: bodies.Received | None) -> Answer:
    if received is None:
        raise problems.invalid_request({"message": "$.media: is missing but it is required"})
    appended = media.append(
        owner=call.user, media_id=media_id, segment_index=index, received=received
    )
    return Answer({"data": media.append_data(appended)})


def _init_body(params: dict[str, str]) -> dict[str, Any]:
    """The form fields of the command dialect's INIT as the JSON body of /initialize."""
    body: dict[str, Any] = {
        name: params[name] for name in ("media_type", "media_category") if name in params
    }
    if "total_bytes" in params:
        body["total_bytes"] = _integer("total_bytes", params["total_bytes"])
    if owners := params.get("additional_owners"):
        body["additional_owners"] = owners.split(",")
    return body


def _params(fields: QueryDict, url_query: QueryDict) -> dict[str, str]:
    # The command dialect's fields may come in the body or, as v1.1 allowed, the query string.
    found = {name: url_query.get(name) or "" for name in url_query if not name.startswith("oauth_")}
    found.update({name: fields.get(name) or "" for name in fields if name != "media"})
    return found


def _segment(value: str | None) -> int:
    if value is None:
        raise problems.invalid_request(
            {"message": "$.segment_index: is missing but it is required"}
        )
    return _integer("segment_index", value)


def _integer(name: str, value: str) -> int:
    if not value.isdigit():
        raise problems.invalid_parameter(name, value, f"$.{name}: string found, integer expected")
    return int(value)


def _required(params: Any, name: str) -> str:
    value = params.get(name)
    if not value:
        raise problems.invalid_parameter(name, "", f"The `{name}` parameter is required.")
    return str(value)


def _check(schema_part: dict[str, Any], instance: Any) -> None:
    if found := schema.errors(schema_part, instance):
        raise problems.invalid_request(*({"message": message} for message in found))


def _only(names: set[str], allowed: set[str]) -> None:
    extra = sorted(name for name in names if name not in allowed and not name.startswith("oauth_"))
    if extra:
        raise problems.invalid_request(
            *(
                {
                    "message": f"$.{name}: is not defined in the schema and the schema does not "
                    "allow additional properties"
                }
                for name in extra
            )
        )
