"""Locust scenario: a normal weekday morning. Salespeople browse and learn (my learning, catalogue, lesson player,
marking lessons done, notifications), some take a quiz through the API (start, save answers, submit, again),
managers look at their dashboards, trainers browse and edit their courses, plans and questions.

Run through tests/bench/bench_weekday.py or tests/bench/bench_outages.py, which prepare the data and the servers.
Environment: BENCH_ACCOUNTS (JSON written by bench_weekday.prepare_accounts); BENCH_REQUEST_LOG (optional: a CSV
of every request, "epoch,name,status,ok_body" for the outage analysis).
"""

import itertools
import json
import os
import random

from locust import HttpUser, between, events, task
from quiz_answers import answer_for

_accounts = None
_counters = {role: itertools.count() for role in ("sales", "managers", "trainers", "quiz")}
_log = None


def accounts() -> dict:
    global _accounts
    if _accounts is None:
        with open(os.environ["BENCH_ACCOUNTS"], encoding="utf-8") as handle:
            _accounts = json.load(handle)
    return _accounts


def pick(role: str) -> dict:
    pool = accounts()[role]
    return pool[next(_counters[role]) % len(pool)]


class _SignedIn(HttpUser):
    """A person with a session made by the bench (no login traffic: the throttle is not what is measured)."""

    abstract = True
    role = ""

    def on_start(self):
        self.account = pick(self.role)
        self.client.cookies.set("sessionid", self.account["session"])
        self.client.cookies.set("csrftoken", self.account["csrf"])
        self.client.headers["X-CSRFToken"] = self.account["csrf"]
        self.client.headers["Accept-Language"] = "zh-hans"


class Salesperson(_SignedIn):
    """Browsing and learning: the most common person on a weekday morning."""

    weight = 6
    role = "sales"
    wait_time = between(3, 10)

    def _lesson(self):
        return random.choice(self.account["lessons"]) if self.account["lessons"] else None  # noqa: S311

    @task(2)
    def home(self):
        self.client.get("/", name="sales: home")

    @task(3)
    def my_learning(self):
        self.client.get("/my/", name="sales: my learning")

    @task(1)
    def catalogue(self):
        self.client.get("/catalogue/", name="sales: catalogue")
        if self.account["courses"]:
            course = random.choice(self.account["courses"])  # noqa: S311
            self.client.get(f"/catalogue/{course}/", name="sales: course detail")

    @task(4)
    def player(self):
        lesson = self._lesson()
        if lesson:
            self.client.get(f"/learn/{lesson[0]}/{lesson[1]}/", name="sales: lesson player")

    @task(1)
    def lesson_done(self):
        lesson = self._lesson()
        if lesson:
            self.client.post(
                f"/learn/{lesson[0]}/{lesson[1]}/done/", name="sales: lesson done (POST)", allow_redirects=False
            )

    @task(1)
    def notifications(self):
        self.client.get("/notifications/", name="sales: notifications")

    @task(1)
    def quizzes(self):
        self.client.get("/quizzes/", name="sales: quizzes")


class QuizTaker(HttpUser):
    """A salesperson taking the morning quiz through the API: start, three answer saves, submit, and again."""

    weight = 2
    wait_time = between(3, 10)

    def on_start(self):
        account = pick("quiz")
        self.quiz = account["quiz"]
        self.client.headers["Authorization"] = f"Token {account['token']}"
        self.attempt = None

    @task
    def step(self):
        if self.attempt is None:
            response = self.client.post(f"/api/v1/quizzes/{self.quiz}/attempts/", name="quiz: start (API)")
            if response.status_code in (200, 201):
                body = response.json()
                self.attempt = {"id": body["id"], "items": body["items"], "seq": body["seq"], "saves": 0}
            return
        attempt = self.attempt
        if attempt["saves"] < 3:
            attempt["seq"] += 1
            attempt["saves"] += 1
            chosen = random.sample(attempt["items"], min(3, len(attempt["items"])))
            self.client.patch(
                f"/api/v1/attempts/{attempt['id']}/answers/",
                json={"seq": attempt["seq"], "answers": {str(i["id"]): answer_for(i) for i in chosen}},
                name="quiz: save answers (API)",
            )
            return
        response = self.client.post(f"/api/v1/attempts/{attempt['id']}/submit/", name="quiz: submit (API)")
        if response.status_code in (200, 201, 409):
            self.attempt = None


class Manager(_SignedIn):
    """A manager on the team dashboard, drilling into courses and people."""

    weight = 1
    role = "managers"
    wait_time = between(5, 15)

    @task(3)
    def dashboard(self):
        self.client.get("/dashboard/", name="manager: dashboard")

    @task(2)
    def person(self):
        if self.account["people"]:
            person = random.choice(self.account["people"])  # noqa: S311
            self.client.get(f"/dashboard/people/{person}/", name="manager: person")

    @task(1)
    def people(self):
        self.client.get("/people/", name="manager: people")


class Trainer(_SignedIn):
    """A trainer browsing and editing courses, plans and the question bank."""

    weight = 1
    role = "trainers"
    wait_time = between(5, 15)

    @task(2)
    def courses(self):
        self.client.get("/courses/", name="trainer: courses")

    @task(2)
    def outline(self):
        if self.account["courses"]:
            course = random.choice(self.account["courses"])  # noqa: S311
            self.client.get(f"/courses/{course}/outline/", name="trainer: course outline")

    @task(1)
    def rename_module(self):
        if self.account["modules"]:
            module = random.choice(self.account["modules"])  # noqa: S311
            self.client.post(
                f"/courses/modules/{module['id']}/rename/",
                {"title": module["title"]},
                name="trainer: rename module (POST)",
                allow_redirects=False,
            )

    @task(1)
    def plans(self):
        self.client.get("/plans/", name="trainer: plans")
        if self.account["plans"]:
            plan = random.choice(self.account["plans"])  # noqa: S311
            self.client.get(f"/plans/{plan}/edit/", name="trainer: plan editor")

    @task(1)
    def course_dashboard(self):
        self.client.get("/dashboard/courses/", name="trainer: course dashboard")

    @task(1)
    def questions(self):
        self.client.get("/questions/", name="trainer: questions")

    @task(1)
    def grading(self):
        self.client.get("/grading/", name="trainer: grading")


@events.request.add_listener
def _log_request(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    """With BENCH_REQUEST_LOG: one line per request (when, what, status, whether a 503 carried its message)."""
    global _log
    path = os.environ.get("BENCH_REQUEST_LOG")
    if not path:
        return
    if _log is None:
        _log = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the run
    status = getattr(response, "status_code", 0) or 0
    with_message = ""
    if status == 503:
        text = getattr(response, "text", "") or ""
        with_message = "1" if ("service_unavailable" in text or "outage-message" in text) else "0"
    start = kwargs.get("start_time") or 0
    _log.write(f"{start:.3f},{name},{status},{with_message},{response_time:.0f}\n")
    _log.flush()


@events.quitting.add_listener
def _report(environment, **_kwargs):
    environment.process_exit_code = 1 if environment.stats.total.fail_ratio > 0 else 0
