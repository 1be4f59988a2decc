"""Overlapping verification runs share the accounts instead of each calling X for all of them.

A run claims a few accounts at a time just before checking them: on PostgreSQL the candidates
are locked with SELECT ... FOR UPDATE SKIP LOCKED (a run never waits for another) and stamped
with the run's id and a lease; elsewhere one conditional UPDATE stamps only the unclaimed ones.
Either way the lock lasts one short transaction, never while X answers. A run skips what
another holds and what another verified after it started; results are written with the claim
released, and whatever a run still holds when it ends (or crashes, after the lease) is free.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connections, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from botauth.models import BotAccount

# Long enough for a claimed account to be checked and written even when X times out on every
# retry; a crashed run's accounts wait this long before another run takes them.
LEASE = timedelta(minutes=15)
RELEASED = {"verify_claim": "", "verify_claimed_until": None}


@dataclass(frozen=True)
class Run:
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: datetime = field(default_factory=timezone.now)


def claim(queryset: QuerySet[BotAccount], pks: list[int], run: Run) -> list[int]:
    """The accounts among pks this run now holds, in pk order."""
    now = timezone.now()
    free = Q(verify_claimed_until__isnull=True) | Q(verify_claimed_until__lt=now)
    # Verified by another run since this one started: done, for this run too.
    undone = Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=run.started)
    candidates = queryset.filter(free, undone, pk__in=pks).order_by()
    stamp = {"verify_claim": run.id, "verify_claimed_until": now + LEASE}
    accounts = BotAccount.objects.using(queryset.db)
    with transaction.atomic(using=queryset.db):
        if connections[queryset.db].features.has_select_for_update_skip_locked:
            # of=self: a caller's queryset may join other tables; only accounts are locked.
            locked = candidates.select_for_update(skip_locked=True, of=("self",))
            held = list(locked.values_list("pk", flat=True))
            accounts.filter(pk__in=held).update(**stamp)
        else:
            accounts.filter(free, pk__in=candidates.values("pk")).update(**stamp)
            held = list(
                accounts.filter(pk__in=pks, verify_claim=run.id).values_list("pk", flat=True)
            )
    return sorted(held)


def release(run: Run, *, using: str) -> None:
    """Free whatever this run still holds (accounts unlinked meanwhile, or a run cut short)."""
    BotAccount.objects.using(using).filter(verify_claim=run.id).update(**RELEASED)
