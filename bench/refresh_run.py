"""One worker process of the `refresh` benchmark: threads posting as OAuth 2.0 bots until told.

`python -m bench.refresh_run --bots 1,2 --threads 8 --seconds 30 --pause-ms 10` with the
benchmark's environment. Each thread holds one client per bot, built before the start (a
long-running bot), and posts round-robin. Prints "ready", waits for a line on stdin, then prints
one JSON object: posts, failures, each time a client got a new token (bot, wall-clock start and
end of `OAuth2UserAuth.token()`, and the round trip to X's token endpoint when it refreshed
itself) and each round trip to X.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from typing import Any


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bots", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--pause-ms", type=float, default=10)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connections

    from botauth import rotation
    from botauth.bearer import OAuth2UserAuth
    from botauth.models import BotAccount

    lock = threading.Lock()
    local = threading.local()
    # (bot pk, start, end, X round trip when this call refreshed at X itself, else None): every
    # time a client got a new token, whether it refreshed it or waited for another's refresh.
    new_tokens: list[tuple[int, float, float, float | None]] = []
    x_calls: list[float] = []
    real_token, real_rotate = OAuth2UserAuth.token, rotation.rotate

    def timed_token(self: OAuth2UserAuth) -> str:
        held = self._state[0]
        local.x = None
        started = time.time()
        token = real_token(self)
        if token != held:
            with lock:
                new_tokens.append((self.pk, started, time.time(), local.x))
        return token

    def timed_rotate(**kwargs: Any) -> rotation.Rotated:
        started = time.perf_counter()
        try:
            return real_rotate(**kwargs)
        finally:
            local.x = time.perf_counter() - started
            with lock:
                x_calls.append(local.x)

    OAuth2UserAuth.token = timed_token  # type: ignore[method-assign]
    rotation.rotate = timed_rotate

    pks = [int(pk) for pk in args.bots.split(",")]
    clients = [
        [BotAccount.objects.get(pk=pk).get_tweepy_client() for pk in pks]
        for _ in range(args.threads)
    ]
    connections.close_all()
    print("ready", flush=True)
    sys.stdin.readline()
    deadline = time.monotonic() + args.seconds
    posts: list[float] = []
    failures: list[str] = []

    def hammer(mine: list[Any], offset: int) -> None:
        turn = offset
        try:
            while time.monotonic() < deadline:
                client = mine[turn % len(mine)]
                turn += 1
                started = time.perf_counter()
                try:
                    # Unique text: X (and the sandbox) refuse a duplicate post with 403.
                    client.create_tweet(text=f"bench {os.getpid()} {offset} {turn}")
                except Exception as err:  # every failure is counted and shown
                    with lock:
                        failures.append(f"{type(err).__name__}: {str(err)[:160]}")
                else:
                    with lock:
                        posts.append(time.perf_counter() - started)
                time.sleep(args.pause_ms / 1000)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hammer, args=(mine, i)) for i, mine in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(
        json.dumps(
            {"posts": posts, "failures": failures, "new_tokens": new_tokens, "x_calls": x_calls}
        ),
        flush=True,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
