"""Child process of the media benchmark: one BotClient.media_upload, then its peak RSS.

`python -m bench.media_run --url U --file F --mode stream|whole` prints one JSON line. `stream`
passes the path (botauth reads one segment at a time); `whole` first reads the file into memory,
as bot code that does `open(f).read()` would, and uploads that. Each run is its own process
because peak RSS only ever grows.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--file", type=Path, required=True)
    parser.add_argument("--mode", choices=("stream", "whole"), required=True)
    parser.add_argument("--chunk-size", type=int, required=True)
    args = parser.parse_args()

    from django.conf import settings

    settings.configure(BOTAUTH_X_API_URL=args.url, BOTAUTH_REQUEST_TIMEOUT=120)
    from botauth.client import BotClient

    waits: list[float] = []
    client = BotClient(
        consumer_key="bench-consumer-key",
        consumer_secret="bench-consumer-secret",
        access_token="6253282-bench-access-token",
        access_token_secret="bench-access-secret",
        sleep=waits.append,  # the stub's processing is instant: count X's waits, do not sleep
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if args.mode == "whole":
        data = args.file.read_bytes()
        media = client.media_upload(
            args.file.name, file=io.BytesIO(data), chunk_size=args.chunk_size
        )
    else:
        media = client.media_upload(str(args.file), chunk_size=args.chunk_size)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "mode": args.mode,
                "media_id": media.media_id,
                "state": media.state,
                "seconds": seconds,
                "waits": waits,
                "rss_before_kib": before,
                "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


if __name__ == "__main__":
    main()
