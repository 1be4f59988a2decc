"""The request bodies of X's spec 2.167, checked as X checks them, with X's style of message.

Only the JSON Schema keywords these schemas use are implemented. X's validation messages follow
the `$.path: what is wrong` form of the Java validator it runs (seen in answers quoted in client
issues); the wording here is that style, not a byte-for-byte copy.
"""

from __future__ import annotations

import re
from typing import Any

ID = {"type": "string", "pattern": "^[0-9]{1,19}$"}
REPLY_SETTINGS = {
    "type": "string",
    "enum": ["following", "mentionedUsers", "subscribers", "verified"],
}
URL_ONLY = {
    "type": "object",
    "required": ["url"],
    "properties": {"url": {"type": "string"}},
    "additionalProperties": False,
}

# components.schemas.CreatePostsRequest of openapi.json 2.167, $refs inlined, descriptions dropped.
CREATE_POSTS_REQUEST: dict[str, Any] = {
    "type": "object",
    "properties": {
        "card_uri": {"type": "string"},
        "community_id": ID,
        "direct_message_deep_link": {"type": "string"},
        "edit_options": {
            "type": "object",
            "required": ["previous_post_id"],
            "properties": {"previous_post_id": ID},
            "additionalProperties": False,
        },
        "for_super_followers_only": {"type": "boolean"},
        "geo": {
            "type": "object",
            "required": ["place_id"],
            "properties": {"place_id": {"type": "string"}},
            "additionalProperties": False,
        },
        "made_with_ai": {"type": "boolean"},
        "media": {
            "type": "object",
            "required": ["media_ids"],
            "properties": {
                "call_to_actions": {
                    "type": "object",
                    "properties": {
                        "app_install": {
                            "type": "object",
                            "properties": {
                                "app_store_id": {"type": "string"},
                                "ipad_app_store_id": {"type": "string"},
                                "play_store_id": {"type": "string"},
                            },
                            "additionalProperties": False,
                        },
                        "visit_site": URL_ONLY,
                        "watch_now": URL_ONLY,
                    },
                    "additionalProperties": False,
                },
                "description": {"type": "string"},
                "embeddable": {"type": "boolean"},
                "media_ids": {"type": "array", "minItems": 1, "maxItems": 4, "items": ID},
                "preview_media_id": ID,
                "tagged_user_ids": {"type": "array", "maxItems": 10, "items": ID},
                "title": {"type": "string"},
            },
            "additionalProperties": False,
        },
        "nullcast": {"type": "boolean"},
        "paid_partnership": {"type": "boolean"},
        "poll": {
            "type": "object",
            "required": ["options", "duration_minutes"],
            "properties": {
                "duration_minutes": {"type": "integer", "minimum": 5, "maximum": 10080},
                "options": {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 4,
                    "items": {"type": "string", "minLength": 1, "maxLength": 25},
                },
                "reply_settings": REPLY_SETTINGS,
            },
            "additionalProperties": False,
        },
        "quote_tweet_id": ID,
        "reply": {
            "type": "object",
            "required": ["in_reply_to_tweet_id"],
            "properties": {
                "auto_populate_reply_metadata": {"type": "boolean"},
                "exclude_reply_user_ids": {"type": "array", "items": {"type": "string"}},
                "in_reply_to_tweet_id": ID,
            },
            "additionalProperties": False,
        },
        "reply_settings": REPLY_SETTINGS,
        "share_with_followers": {"type": "boolean"},
        "text": {"type": "string"},
    },
    "additionalProperties": False,
}

MEDIA_CATEGORIES = [
    "amplify_video",
    "tweet_gif",
    "tweet_image",
    "tweet_video",
    "dm_gif",
    "dm_image",
    "dm_video",
    "subtitles",
]
MEDIA_TYPES = [
    "video/mp4",
    "video/webm",
    "video/mp2t",
    "video/quicktime",
    "text/srt",
    "text/vtt",
    "image/jpeg",
    "image/gif",
    "image/bmp",
    "image/png",
    "image/webp",
    "image/pjpeg",
    "image/tiff",
    "model/gltf-binary",
    "model/vnd.usdz+zip",
]

# components.schemas.InitializeMediaUploadRequest of openapi.json 2.167.
INITIALIZE_MEDIA_UPLOAD_REQUEST: dict[str, Any] = {
    "type": "object",
    "properties": {
        "additional_owners": {"type": "array", "items": ID},
        "media_category": {"type": "string", "enum": MEDIA_CATEGORIES},
        "media_type": {"type": "string", "enum": MEDIA_TYPES},
        "shared": {"type": "boolean"},
        "total_bytes": {"type": "integer", "minimum": 0, "maximum": 17179869184},
    },
    "additionalProperties": False,
}

# components.schemas.MediaUploadRequest of 2.167 as a JSON body (media base64-encoded); 2.166's
# media_type is still accepted, since clients written to it send it.
MEDIA_UPLOAD_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["media", "media_category"],
    "properties": {
        "additional_owners": {"type": "string"},
        "media": {"type": "string"},
        "media_category": {
            "type": "string",
            "enum": [c for c in MEDIA_CATEGORIES if c != "amplify_video"],
        },
        "media_type": {"type": "string", "enum": MEDIA_TYPES},
    },
    "additionalProperties": False,
}

# components.schemas.AppendMediaUploadRequest of 2.167 as a JSON body.
APPEND_MEDIA_UPLOAD_REQUEST: dict[str, Any] = {
    "type": "object",
    "required": ["media", "segment_index"],
    "properties": {
        "media": {"type": "string"},
        "segment_index": {"type": "integer", "minimum": 0, "maximum": 999},
    },
    "additionalProperties": False,
}

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
}
_NAMES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer"}


def errors(schema: dict[str, Any], instance: Any, path: str = "$") -> list[str]:
    """Every way instance breaks schema, as `$.path: message` strings; empty when it is valid."""
    expected = schema.get("type")
    if expected and not _is(instance, expected):
        return [f"{path}: {_name(instance)} found, {expected} expected"]
    found: list[str] = []
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in instance:
                found.append(f"{path}.{name}: is missing but it is required")
        for name, value in instance.items():
            if name in properties:
                found += errors(properties[name], value, f"{path}.{name}")
            elif schema.get("additionalProperties") is False:
                found.append(
                    f"{path}.{name}: is not defined in the schema and the schema does not "
                    "allow additional properties"
                )
    if isinstance(instance, list):
        if "minItems" in schema and len(instance) < schema["minItems"]:
            found.append(
                f"{path}: there must be a minimum of {schema['minItems']} items in the array"
            )
        if "maxItems" in schema and len(instance) > schema["maxItems"]:
            found.append(
                f"{path}: there must be a maximum of {schema['maxItems']} items in the array"
            )
        for index, item in enumerate(instance):
            found += errors(schema.get("items", {}), item, f"{path}[{index}]")
    if isinstance(instance, str):
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            found.append(f"{path}: does not match the regex pattern {schema['pattern']}")
        if "minLength" in schema and len(instance) < schema["minLength"]:
            found.append(f"{path}: must be at least {schema['minLength']} characters long")
        if "maxLength" in schema and len(instance) > schema["maxLength"]:
            found.append(f"{path}: may only be {schema['maxLength']} characters long")
    if "enum" in schema and instance not in schema["enum"]:
        found.append(
            f"{path}: does not have a value in the enumeration [{', '.join(schema['enum'])}]"
        )
    if isinstance(instance, int) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            found.append(f"{path}: must have a minimum value of {schema['minimum']}")
        if "maximum" in schema and instance > schema["maximum"]:
            found.append(f"{path}: must have a maximum value of {schema['maximum']}")
    return found


def _is(instance: Any, expected: str) -> bool:
    if expected in ("integer", "string", "array", "object") and isinstance(instance, bool):
        return False
    return isinstance(instance, _TYPES[expected])


def _name(instance: Any) -> str:
    if instance is None:
        return "null"
    if isinstance(instance, float):
        return "number"
    return _NAMES.get(type(instance), type(instance).__name__)
