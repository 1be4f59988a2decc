"""The v2 endpoints a bot calls, answering as X does, under the signed-in sandbox user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from botauth_sandbox import answers, bodies, calls, posts, problems, query, ratelimit, xpaths
from botauth_sandbox.calls import Call, Refusal, Refused
from botauth_sandbox.models import SandboxUser

View = Callable[..., HttpResponse]
POST_BODY_LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Answer:
    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[..., Answer]


def endpoint(
    *, resource: str, write: bool = False, bearer: bool = False
) -> Callable[[Handler], View]:
    """Admit the call as X would, run handler, and put X's headers on whatever it answers.

    `bearer`: X also serves this endpoint to app-only Bearer tokens (which the sandbox issues
    none of, so they are a 401 here rather than 403 unsupported-authentication).
    """

    def wrap(handler: Handler) -> View:
        @wraps(handler)
        def view(request: HttpRequest, **kwargs: str) -> HttpResponse:
            try:
                call = calls.admit(request, resource=resource, write=write)
            except Refused as refused:
                return v2_refusal(refused, bearer=bearer)
            try:
                answer = handler(request, call, **kwargs)
                response: HttpResponse = problems.v2_json(answer.body, status=answer.status)
                for name, value in answer.headers.items():
                    response[name] = value
            except problems.Problem as problem:
                response = problem.response()
            for name, value in call.headers().items():
                response[name] = value
            return response

        return view

    return wrap


def methods(**handlers: View) -> View:
    """One URL, a view per HTTP method; any other method is a JSON 405."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: str) -> HttpResponse:
        handler = handlers.get(request.method or "GET")
        if handler is None:
            detail = f"{request.method} is not allowed here; use {', '.join(handlers)}."
            response = problems.v2_problem(405, detail)
            response["Allow"] = ", ".join(handlers)
            return response
        return handler(request, **kwargs)

    return view


def v2_refusal(refused: Refused, *, bearer: bool = False) -> HttpResponse:
    reason = refused.reason
    if reason is Refusal.APP_ONLY and not bearer:
        response = problems.unsupported_authentication().response()
    elif reason is Refusal.SUSPENDED:
        response = problems.v2_problem(403, problems.SUSPENDED[1])
    elif reason is Refusal.READ_ONLY:
        response = problems.oauth1_permissions().response()
    elif reason is Refusal.RATE_LIMITED:
        response = problems.v2_problem(429)
    elif reason is Refusal.INSUFFICIENT_SCOPE:
        # What X answers an OAuth 2.0 token lacking a scope the endpoint needs.
        response = problems.v2_problem(403)
    else:
        response = problems.v2_problem(401)
    for name, value in refused.headers().items():
        response[name] = value
    return response


@endpoint(resource=ratelimit.USERS_ME)
def users_me(request: HttpRequest, call: Call) -> Answer:
    lookup = query.parse(request.GET, query.USER_LOOKUP)
    return Answer(answers.user(call.user, lookup))


@endpoint(resource=ratelimit.USERS_BY_ID, bearer=True)
def user_by_id(request: HttpRequest, call: Call, id: str) -> Answer:
    query.check_path("id", id, query.ID_PATTERN)
    lookup = query.parse(request.GET, query.USER_LOOKUP, path_parameters=["id"])
    found = SandboxUser.objects.filter(user_id=id).first()
    return _user_answer(found, lookup, parameter="id", value=id)


@endpoint(resource=ratelimit.USERS_BY_USERNAME, bearer=True)
def user_by_username(request: HttpRequest, call: Call, username: str) -> Answer:
    query.check_path("username", username, query.USERNAME_PATTERN)
    lookup = query.parse(request.GET, query.USER_LOOKUP, path_parameters=["username"])
    found = SandboxUser.objects.filter(username__iexact=username).first()
    return _user_answer(found, lookup, parameter="username", value=username)


def _user_answer(
    found: SandboxUser | None, lookup: query.Lookup, *, parameter: str, value: str
) -> Answer:
    # X answers 200 for a missing or suspended user, with the reason in `errors`.
    if found is None:
        detail = f"Could not find user with {parameter}: [{value}]."
    elif found.suspended:
        detail = f"User has been suspended: [{value}]."
    else:
        return Answer(answers.user(found, lookup))
    error = problems.not_found_error(
        resource_type="user", parameter=parameter, value=value, detail=detail
    )
    if found is not None:
        error["title"] = "Forbidden"
    return Answer({"errors": [error]})


@endpoint(resource=ratelimit.POSTS_CREATE, write=True)
def create_post(request: HttpRequest, call: Call) -> Answer:
    query.parse(request.GET, query.NO_PARAMETERS)
    post = posts.create(author=call.user, body=bodies.json_object(request, limit=POST_BODY_LIMIT))
    location = request.build_absolute_uri(reverse("botauth_sandbox:post", args=[post.post_id]))
    # Since X's edit feature (2022) every Post carries its edit history, a created one too.
    data = {"edit_history_tweet_ids": [post.post_id], "id": post.post_id, "text": post.text}
    return Answer({"data": data}, 201, {"location": location})


@endpoint(resource=ratelimit.POSTS_BY_ID, bearer=True)
def get_post(request: HttpRequest, call: Call, id: str) -> Answer:
    query.check_path("id", id, query.ID_PATTERN)
    lookup = query.parse(request.GET, query.POST_LOOKUP, path_parameters=["id"])
    found = posts.find(id)
    if found is None:
        return Answer({"errors": [posts.not_found(id)]})
    return Answer(answers.post(found, lookup))


@endpoint(resource=ratelimit.POSTS_DELETE, write=True)
def delete_post(request: HttpRequest, call: Call, id: str) -> Answer:
    query.check_path("id", id, query.ID_PATTERN)
    query.parse(request.GET, query.NO_PARAMETERS, path_parameters=["id"])
    posts.delete(author=call.user, post_id=id)
    return Answer({"data": {"deleted": True}})


post = methods(GET=get_post, DELETE=delete_post)
posts_view = methods(POST=create_post)


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything under the sandbox's URLs that it does not serve: 501 if X serves it, else 404."""
    path = "/" + rest
    if xpaths.is_x_path(path):
        detail = f"The sandbox does not implement {request.method} {path}, an X API endpoint."
        return problems.v2_problem(501, detail)
    return problems.v2_problem(404, f"The sandbox has no endpoint at {request.method} {path}.")
