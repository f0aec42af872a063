"""Locust scenario: salespeople take the same quiz, save answers with 5-15 s think time, then all submit at once;
a few seconds after the burst each submits once more and expects 409.

Run through tests/bench/bench_quiz_load.py, which prepares the data and the servers. Environment:
BENCH_TOKENS (JSON file: [{"token": ..., "quiz": id}]), BENCH_STEADY_FROM (epoch seconds when everyone has
started: saves before it are reported as "save answers (ramp)"), BENCH_SUBMIT_AT (epoch seconds of the burst),
BENCH_AGAIN_AFTER (seconds after the burst for the second submit).
FastHttpUser (geventhttpclient): far less client CPU than HttpUser, which matters with Locust on the same 2 cores.
"""

import itertools
import json
import os
import random
import time

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser
from quiz_answers import answer_for

_accounts = None
_counter = itertools.count()


def accounts():
    global _accounts
    if _accounts is None:
        with open(os.environ["BENCH_TOKENS"], encoding="utf-8") as handle:
            _accounts = json.load(handle)
    return _accounts


def _moment(name: str) -> float:
    return float(os.environ[name])


class Salesperson(FastHttpUser):
    concurrency = 1  # one connection per person, as one browser tab
    network_timeout = 30.0
    connection_timeout = 30.0

    def wait_time(self):
        think = random.uniform(5, 15)  # noqa: S311 - load simulation, not security
        return max(0.0, min(think, _moment("BENCH_SUBMIT_AT") - time.time()))

    def on_start(self):
        account = accounts()[next(_counter) % len(accounts())]
        self.auth = {"Authorization": f"Token {account['token']}"}
        response = self.client.post(f"/api/v1/quizzes/{account['quiz']}/attempts/", name="start", headers=self.auth)
        attempt = response.json()
        self.attempt_id = attempt["id"]
        self.items = attempt["items"]
        self.seq = attempt["seq"]

    @task
    def work(self):
        now = time.time()
        if now < _moment("BENCH_SUBMIT_AT"):
            self.seq += 1
            chosen = random.sample(self.items, min(3, len(self.items)))
            self.client.patch(
                f"/api/v1/attempts/{self.attempt_id}/answers/",
                json={"seq": self.seq, "answers": {str(i["id"]): answer_for(i) for i in chosen}},
                name="save answers" if now >= _moment("BENCH_STEADY_FROM") else "save answers (ramp)",
                headers=self.auth,
            )
            return
        gevent.sleep(max(0.0, _moment("BENCH_SUBMIT_AT") - time.time()))
        self.client.post(f"/api/v1/attempts/{self.attempt_id}/submit/", name="submit (burst)", headers=self.auth)
        # After the burst, spread over a second, so the check does not add to the burst it follows.
        again_at = _moment("BENCH_SUBMIT_AT") + float(os.environ.get("BENCH_AGAIN_AFTER", "5"))
        gevent.sleep(max(0.0, again_at - time.time()) + random.uniform(0, 1))  # noqa: S311
        with self.client.post(
            f"/api/v1/attempts/{self.attempt_id}/submit/",
            name="submit again (expect 409)",
            headers=self.auth,
            catch_response=True,
        ) as again:
            if again.status_code == 409:
                again.success()
            else:
                again.failure(f"second submit answered {again.status_code}")
        raise StopUser


@events.quitting.add_listener
def _report(environment, **_kwargs):
    environment.process_exit_code = 1 if environment.stats.total.fail_ratio > 0 else 0
