"""Locust scenario: salespeople take the same quiz, save answers with 5-15 s think time, then all submit at once.

Run through tests/bench/bench_quiz_load.py, which prepares the data and the server. Environment:
BENCH_TOKENS (JSON file: [{"token": ..., "quiz": id}]), BENCH_SUBMIT_AT (epoch seconds of the burst).
"""

import itertools
import json
import os
import random
import time

import gevent
from locust import HttpUser, events, task
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


def submit_at() -> float:
    return float(os.environ["BENCH_SUBMIT_AT"])


class Salesperson(HttpUser):
    def wait_time(self):
        think = random.uniform(5, 15)  # noqa: S311 - load simulation, not security
        return max(0.0, min(think, submit_at() - time.time()))

    def on_start(self):
        account = accounts()[next(_counter) % len(accounts())]
        self.client.headers["Authorization"] = f"Token {account['token']}"
        response = self.client.post(f"/api/v1/quizzes/{account['quiz']}/attempts/", name="start")
        attempt = response.json()
        self.attempt_id = attempt["id"]
        self.items = attempt["items"]
        self.seq = attempt["seq"]

    @task
    def work(self):
        if time.time() < submit_at():
            self.seq += 1
            chosen = random.sample(self.items, min(3, len(self.items)))
            self.client.patch(
                f"/api/v1/attempts/{self.attempt_id}/answers/",
                json={"seq": self.seq, "answers": {str(i["id"]): answer_for(i) for i in chosen}},
                name="save answers",
            )
            return
        gevent.sleep(max(0.0, submit_at() - time.time()))
        self.client.post(f"/api/v1/attempts/{self.attempt_id}/submit/", name="submit (burst)")
        with self.client.post(
            f"/api/v1/attempts/{self.attempt_id}/submit/", name="submit again (expect 409)", catch_response=True
        ) as again:
            if again.status_code == 409:
                again.success()
            else:
                again.failure(f"second submit answered {again.status_code}")
        raise StopUser


@events.quitting.add_listener
def _report(environment, **_kwargs):
    environment.process_exit_code = 1 if environment.stats.total.fail_ratio > 0 else 0
