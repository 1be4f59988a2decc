"""One process of the refresh race (test_refresh_race.py): threads that post at a signal.

`python -m tests.race_worker PK X_URL THREADS straggle|prompt`, with DJANGO_SETTINGS_MODULE and
DATABASE_URL set; prints "ready", waits for a line on stdin, then prints the outcome of each post
as JSON. With "straggle", its threads stall between their first read of the row and the lock,
past X's answer.
"""

from __future__ import annotations

import json
import sys
import threading
import time


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from django.db import connections
    from django.test import override_settings

    from botauth import refresh
    from botauth.models import BotAccount
    from tests import xtoken

    pk, x_url, threads, straggle = int(argv[0]), argv[1], int(argv[2]), argv[3] == "straggle"
    # Stragglers: threads descheduled between reading the row and taking the lock, for longer
    # than X takes to answer, so that they take the lock after the refresh with a stale read.
    stragglers = threading.local()
    real_read = refresh._read

    def read(pk: int, **options: object) -> object:
        row = real_read(pk, **options)  # type: ignore[call-overload]
        if not options and getattr(stragglers, "pause", False):
            time.sleep(stragglers.pause)
            stragglers.pause = 0
        return row

    refresh._read = read  # type: ignore[assignment]
    with override_settings(
        BOTAUTH_X_API_URL=x_url,
        TWITTER_CLIENT_ID=xtoken.CLIENT_ID,
        TWITTER_CLIENT_SECRET=xtoken.CLIENT_SECRET,
    ):
        # Each thread holds its own client, built before the race, as a long-running bot would.
        clients = [BotAccount.objects.get(pk=pk).get_tweepy_client() for _ in range(threads)]
        connections.close_all()
        print("ready", flush=True)
        sys.stdin.readline()
        barrier = threading.Barrier(threads)
        outcomes: list[str] = []

        def post(client: object, straggler: bool) -> None:
            stragglers.pause = 0.6 if straggler else 0
            try:
                barrier.wait()
                client.create_tweet(text="race")  # type: ignore[attr-defined]
                outcomes.append("posted")
            except Exception as err:  # every failure is reported to the test
                outcomes.append(f"{type(err).__name__}: {err}")
            finally:
                connections.close_all()

        workers = [threading.Thread(target=post, args=(client, straggle)) for client in clients]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    print(json.dumps(outcomes), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
