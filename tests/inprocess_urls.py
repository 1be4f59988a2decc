"""A root URLconf with one view that echoes the request it got (in-process transport tests)."""

from __future__ import annotations

import base64

from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def echo(request: HttpRequest, rest: str) -> JsonResponse:
    return JsonResponse(
        {
            "method": request.method,
            "uri": request.build_absolute_uri(),
            "query": request.GET.dict(),
            "content_type": request.content_type,
            "body": base64.b64encode(request.body).decode(),
            "authorization": request.headers.get("Authorization", ""),
            "post": {k: request.POST.getlist(k) for k in request.POST},
            # The last file of each name, as request.FILES[name] gives it.
            "files": {
                k: base64.b64encode(request.FILES.getlist(k)[-1].read()).decode()
                for k in request.FILES
            },
        },
        status=201,
        headers={"x-rate-limit-remaining": "74"},
    )


def stream(request: HttpRequest) -> StreamingHttpResponse:
    return StreamingHttpResponse((f"chunk{i};" for i in range(3)), content_type="text/plain")


urlpatterns = [
    path("echo/stream", stream),
    path("echo/<path:rest>", echo),
]
