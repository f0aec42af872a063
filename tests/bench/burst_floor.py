"""The floor under the quiz bench's submit burst: N connections send one request each at the same moment to the
same gunicorn, and this prints their p50/p95/max in JSON. Run by bench_quiz_load.py after its Locust run, in a
process of its own (gevent patches the standard library).

    python tests/bench/burst_floor.py HOST N MODE

MODE "rejected": POST to the submit route with a token that does not exist, answered 403 by DRF's authentication
(every middleware, the URL resolver, DRF and the token query run, and Django logs the 403 as a warning; no attempt
is read, written or graded).
MODE "static": GET a static file, answered by WhiteNoise (the server and the WSGI layer alone).
Each connection is opened and used once before the burst, so the burst measures requests, not connects.
"""

import gevent.monkey

gevent.monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
from gevent.event import Event  # noqa: E402
from geventhttpclient import HTTPClient  # noqa: E402
from geventhttpclient.url import URL  # noqa: E402

REJECTED = {"Authorization": "Token " + "0" * 40}


def request(client: HTTPClient, mode: str) -> int:
    if mode == "static":
        response = client.get("/static/favicon.svg")
    else:
        response = client.post("/api/v1/attempts/1/submit/", headers=REJECTED)
    response.read()
    return response.status_code


def main() -> None:
    host, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    url = URL(host)
    clients = [HTTPClient.from_url(url, concurrency=1, network_timeout=60, connection_timeout=60) for _ in range(n)]
    go, ready, times, codes = Event(), [], [], {}

    def one(client: HTTPClient) -> None:
        request(client, mode)  # the connection is open and served once
        ready.append(1)
        go.wait()
        t0 = time.perf_counter()
        code = request(client, mode)
        times.append((time.perf_counter() - t0) * 1000)
        codes[code] = codes.get(code, 0) + 1

    greenlets = [gevent.spawn(one, c) for c in clients]
    deadline = time.time() + 60
    while len(ready) < n and time.time() < deadline:
        gevent.sleep(0.1)
    gevent.sleep(1)  # the warm-up requests are all answered and the server idle
    go.set()
    gevent.joinall(greenlets, timeout=60)
    times.sort()
    pick = lambda q: round(times[min(len(times) - 1, int(q * (len(times) - 1)))], 1) if times else None  # noqa: E731
    print(
        json.dumps(
            {"mode": mode, "n": len(times), "p50": pick(0.5), "p95": pick(0.95), "max": pick(1.0), "codes": codes}
        )
    )


if __name__ == "__main__":
    main()
