"""The yardstick for the link benchmark: a staff-only POST that does one database update."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from botauth.models import BotAccount


@require_POST
@staff_member_required
def touch(request: HttpRequest, pk: int) -> HttpResponse:
    BotAccount.objects.filter(pk=pk).update(updated_at=timezone.now())
    return HttpResponse("ok", content_type="text/plain")
