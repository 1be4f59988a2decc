from __future__ import annotations

import pytest

from tests import spec, xmock


def test_the_recorded_users_me_answer_is_valid() -> None:
    spec.validate(
        "GetUsersMeResponse",
        {"data": {"id": xmock.USER_ID, "name": "Twitter API", "username": xmock.SCREEN_NAME}},
    )


def test_a_wrong_shape_is_refused() -> None:
    with pytest.raises(AssertionError, match="CreatePostsResponse"):
        spec.validate("CreatePostsResponse", {"data": {"id": 1456012973835788293}})


def test_the_mocked_problems_are_x_problems() -> None:
    spec.validate_problem(xmock.UNAUTHORIZED)
    with pytest.raises(AssertionError):
        spec.validate_problem({"title": "Unauthorized"})


def test_v1_errors_have_code_and_message() -> None:
    spec.validate_v1_errors({"errors": [{"code": 89, "message": "Invalid or expired token."}]})
    with pytest.raises(AssertionError):
        spec.validate_v1_errors({"errors": [{"code": "89"}]})
