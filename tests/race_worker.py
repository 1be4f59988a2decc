"""One process of the refresh race (test_refresh_race.py): threads that post at a signal.

`python -m tests.race_worker PK X_URL THREADS`, with DJANGO_SETTINGS_MODULE and DATABASE_URL
set; prints "ready", waits for a line on stdin, then prints the outcome of each post as JSON.
"""

from __future__ import annotations

import json
import sys
import threading


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from django.db import connections
    from django.test import override_settings

    from botauth.models import BotAccount
    from tests import xtoken

    pk, x_url, threads = int(argv[0]), argv[1], int(argv[2])
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

        def post(client: object) -> None:
            try:
                barrier.wait()
                client.create_tweet(text="race")  # type: ignore[attr-defined]
                outcomes.append("posted")
            except Exception as err:  # every failure is reported to the test
                outcomes.append(f"{type(err).__name__}: {err}")
            finally:
                connections.close_all()

        workers = [threading.Thread(target=post, args=(client,)) for client in clients]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    print(json.dumps(outcomes), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
