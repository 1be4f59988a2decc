from __future__ import annotations

from django.urls import reverse

from botauth.models import BotAccount
from tests import xmock


def test_link_flow_end_to_end(staff_client, account, x):
    xmock.request_token(x)
    response = staff_client.post(reverse("botauth:authenticate_twitter", args=[account.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("https://api.twitter.com/oauth/authorize?oauth_token=")
    xmock.access_token(x)
    response = staff_client.get(
        reverse("botauth:authenticate_twitter_callback"),
        {"oauth_token": xmock.REQUEST_TOKEN, "oauth_verifier": xmock.VERIFIER},
    )
    assert response.status_code == 302, response.content
    account.refresh_from_db()
    assert account.status == BotAccount.Status.LINKED
    assert account.twitter_username == xmock.SCREEN_NAME
