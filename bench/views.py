"""Views only benchmarks serve.

`touch`: the yardstick for the link benchmark, a staff-only POST that does one database update.
`sandbox_post`: POST /2/tweets for the refresh benchmark while the sandbox serves none.
"""

from __future__ import annotations

import itertools
import json
import os

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from botauth.models import BotAccount


@require_POST
@staff_member_required
def touch(request: HttpRequest, pk: int) -> HttpResponse:
    BotAccount.objects.filter(pk=pk).update(updated_at=timezone.now())
    return HttpResponse("ok", content_type="text/plain")


_post_ids = itertools.count(1456012973835788293 + os.getpid() * 10**6)


@csrf_exempt
@require_POST
def sandbox_post(request: HttpRequest) -> HttpResponse:
    """X's POST /2/tweets, authenticated by the sandbox's own code (calls.admit: the bearer
    token's expiry, revocation and tweet.write), answering X's 201; nothing is stored.

    Mounted by bench/urls.py only while botauth_sandbox has no posting endpoint of its own.
    """
    from botauth_sandbox import calls

    try:
        calls.admit(request, resource="2/tweets")
    except calls.Refused as refused:
        status = 401 if refused.reason is calls.Refusal.BAD_TOKEN else 403
        title = "Unauthorized" if status == 401 else "Forbidden"
        problem = {"title": title, "type": "about:blank", "status": status, "detail": title}
        return JsonResponse(problem, status=status, content_type="application/problem+json")
    text = str(json.loads(request.body or b"{}").get("text", ""))
    return JsonResponse({"data": {"id": str(next(_post_ids)), "text": text}}, status=201)
