"""One client for a self-hosted OpenAI-compatible chat endpoint (Ollama, vLLM, llama.cpp server, or a cloud model by
URL), shared by the LLM customer (practice.engine.customers) and the LLM judge of key points (below).

- `ChatClient.chat()` POSTs to `<base_url>/chat/completions` with urllib (no SDK). Connection errors, timeouts, 429
  and 5xx are retried with exponential backoff; another 4xx or an unreadable answer is not. Every failure ends as
  `LLMError` with a short code (for traces and logs). The whole call, retries and pauses included, stays within
  `timeout × attempts`.
- A process-wide circuit breaker per base URL: after `breaker_failures` failed calls in a row, calls fail at once
  (`LLMError("breaker_open")`) for `breaker_cooldown` seconds, so a dead server does not cost a timeout on every
  turn. After the cool-down one call is let through; its success closes the breaker, its failure opens it again.
- `LLMJudge.verdict()` asks whether the salesperson's sentences state a key point; `None` whenever the model does not
  answer with a valid verdict, so the caller keeps its own.

Settings (read at call time by `chat_client_from_settings` and `get_judge`): PRACTICE_LLM_BASE_URL, PRACTICE_LLM_MODEL,
PRACTICE_LLM_API_KEY, PRACTICE_LLM_TIMEOUT, PRACTICE_LLM_RETRIES, PRACTICE_LLM_BREAKER_FAILURES,
PRACTICE_LLM_BREAKER_COOLDOWN, PRACTICE_JUDGE_BACKEND.
"""

import http.client
import json
import logging
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 1_000_000
RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))


class LLMError(Exception):
    """A chat call that gave no usable answer. `code`: connection, timeout, http_<status>, bad_response,
    breaker_open."""

    def __init__(self, code: str, message: str = ""):
        self.code = code
        super().__init__(f"{code}: {message}" if message else code)


class _Breaker:
    def __init__(self):
        self.failures = 0
        self.open_until: float | None = None


_breakers: dict[str, _Breaker] = {}
_breakers_lock = threading.Lock()


def reset_breakers() -> None:
    """Forget every breaker's state (tests; a process that knows the server is back)."""
    with _breakers_lock:
        _breakers.clear()


def _breaker_for(base_url: str) -> _Breaker:
    with _breakers_lock:
        return _breakers.setdefault(base_url, _Breaker())


def validate_base_url(base_url: str) -> str:
    """The URL without its trailing slash; ValueError unless it is http(s) with a host."""
    parts = urlsplit(base_url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the LLM base URL must be an http:// or https:// URL with a host")
    return base_url.rstrip("/")


class ChatClient:
    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.5,
        *,
        breaker_failures: int = 3,
        breaker_cooldown: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = validate_base_url(base_url)
        self.model = model
        self.api_key = api_key
        self.timeout = float(timeout)
        self.attempts = 1 + max(0, int(retries))
        self.backoff = max(0.0, float(backoff))
        self.breaker_failures = max(1, int(breaker_failures))
        self.breaker_cooldown = max(0.0, float(breaker_cooldown))
        self._clock = clock
        self._sleep = sleep

    @property
    def budget(self) -> float:
        """The longest a call can take, retries and pauses included (seconds)."""
        return self.timeout * self.attempts

    # --- the breaker ---------------------------------------------------------------------------------------

    def _admit(self) -> None:
        breaker = _breaker_for(self.base_url)
        with _breakers_lock:
            if breaker.open_until is None:
                return
            if self._clock() < breaker.open_until:
                raise LLMError("breaker_open")
            # the cool-down is over: let this call through; if it fails too, the breaker opens again at once
            breaker.open_until = None
            breaker.failures = self.breaker_failures - 1

    def _record(self, ok: bool) -> None:
        breaker = _breaker_for(self.base_url)
        with _breakers_lock:
            if ok:
                breaker.failures, breaker.open_until = 0, None
                return
            breaker.failures += 1
            if breaker.failures >= self.breaker_failures:
                breaker.open_until = self._clock() + self.breaker_cooldown
                log.warning("LLM at %s failed %s times in a row; skipped for %ss", self.base_url, breaker.failures, self.breaker_cooldown)  # fmt: skip

    # --- the call ------------------------------------------------------------------------------------------

    def chat(self, messages: list[dict], *, max_tokens: int = 200, temperature: float = 0.3, json_mode: bool = False) -> str:  # fmt: skip
        """The assistant's answer (stripped, non-empty), or LLMError."""
        self._admit()
        body = {"model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": temperature}
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        deadline = self._clock() + self.budget
        error = LLMError("timeout")
        for attempt in range(self.attempts):
            remaining = deadline - self._clock()
            if remaining <= 0:
                break
            try:
                text = self._post(data, timeout=min(self.timeout, remaining))
            except LLMError as exc:
                error = exc
                if not _retryable(exc.code) or attempt + 1 == self.attempts:
                    break
                pause = min(self.backoff * 2**attempt, deadline - self._clock())
                if pause > 0:
                    self._sleep(pause)
                continue
            self._record(ok=True)
            return text
        self._record(ok=False)
        log.warning("LLM call to %s failed: %s", self.base_url, error.code)
        raise error

    def _post(self, data: bytes, *, timeout: float) -> str:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(f"{self.base_url}/chat/completions", data=data, headers=headers, method="POST")  # noqa: S310 - scheme checked in validate_base_url
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked in validate_base_url
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise LLMError(f"http_{exc.code}") from None
        except urllib.error.URLError as exc:
            code = "timeout" if isinstance(exc.reason, (TimeoutError, socket.timeout)) else "connection"
            raise LLMError(code, type(exc.reason).__name__) from None
        except TimeoutError:
            raise LLMError("timeout") from None
        except (http.client.HTTPException, OSError) as exc:  # reset, disconnected, truncated answer
            raise LLMError("connection", type(exc).__name__) from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise LLMError("bad_response", "too large")
        try:
            text = json.loads(raw.decode("utf-8"))["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError("bad_response", type(exc).__name__) from None
        if not isinstance(text, str) or not text.strip():
            raise LLMError("bad_response", "empty")
        return text.strip()


def _retryable(code: str) -> bool:
    if code in ("connection", "timeout"):
        return True
    return code.startswith("http_") and code[5:].isdigit() and int(code[5:]) in RETRY_STATUSES


def chat_client_from_settings() -> ChatClient | None:
    """The client for PRACTICE_LLM_BASE_URL, or None when no URL is set or it is not an http(s) URL (logged)."""
    base_url = getattr(settings, "PRACTICE_LLM_BASE_URL", "")
    if not base_url:
        return None
    try:
        return ChatClient(
            base_url,
            settings.PRACTICE_LLM_MODEL,
            api_key=settings.PRACTICE_LLM_API_KEY,
            timeout=settings.PRACTICE_LLM_TIMEOUT,
            retries=getattr(settings, "PRACTICE_LLM_RETRIES", 2),
            breaker_failures=getattr(settings, "PRACTICE_LLM_BREAKER_FAILURES", 3),
            breaker_cooldown=getattr(settings, "PRACTICE_LLM_BREAKER_COOLDOWN", 60),
        )
    except ValueError:
        log.error("PRACTICE_LLM_BASE_URL is not an http(s) URL; the practice LLM is off")
        return None


# --- the judge -----------------------------------------------------------------------------------------------

LABELS = ("covered", "partial", "missed", "contradicted")
MAX_SENTENCES = 40
MAX_SENTENCE_CHARS = 300
FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class JudgeVerdict:
    label: str  # covered | partial | missed | contradicted
    sentence: int | None  # index into the sentences given, the one that states (or contradicts) the point
    sub_points_covered: list[int] = field(default_factory=list)  # indexes into the sub-points given


_PROMPT_ZH = """你是销售培训的评分员。判断销售人员说的话是否【表达】了下面的要点：要点的意思必须被明确说出来，只提到要点里的词、只是提问、或者答非所问都不算。
要点：{point}
{subs}销售人员说的句子（编号从 0 开始）：
{sentences}
只输出一个 JSON 对象，不要其他文字：{{"label": "covered" | "partial" | "missed" | "contradicted", "sentence": 最能说明判断的句子编号或 null, "sub_points_covered": [已表达的子要点编号]}}
covered = 完整表达了要点；partial = 只表达了部分子要点；missed = 没有表达；contradicted = 说了与要点相反或相矛盾的话。"""

_PROMPT_EN = """You grade sales training. Decide whether the salesperson's sentences STATE the key point below: its meaning must be said; merely using its words, asking about it or talking about something else does not count.
Key point: {point}
{subs}The salesperson's sentences (numbered from 0):
{sentences}
Answer with one JSON object and nothing else: {{"label": "covered" | "partial" | "missed" | "contradicted", "sentence": the number of the sentence your verdict rests on, or null, "sub_points_covered": [numbers of the sub-points stated]}}
covered = the point is fully stated; partial = only some sub-points are stated; missed = not stated; contradicted = the salesperson said the opposite or something that contradicts it."""


def _numbered(items: list[str]) -> str:
    return "\n".join(f"{i}. {text}" for i, text in enumerate(items))


def parse_verdict(answer: str, *, sentences: int, sub_points: int) -> JudgeVerdict | None:
    """The verdict in a model's answer (a JSON object, possibly in ``` fences or with words around it), or None
    when anything is missing or out of range."""
    text = answer.strip()
    fenced = FENCE.search(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        data = json.loads(text)
    except ValueError:
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            return None
        try:
            data = json.loads(text[start : end + 1])
        except ValueError:
            return None
    if not isinstance(data, dict):
        return None
    label = data.get("label")
    if not isinstance(label, str) or label.strip().lower() not in LABELS:
        return None
    index = data.get("sentence")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < sentences):
        return None
    covered = data.get("sub_points_covered", [])
    if covered is None:
        covered = []
    if not isinstance(covered, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 <= i < sub_points for i in covered
    ):
        return None
    return JudgeVerdict(label.strip().lower(), index, sorted(set(covered)))


class LLMJudge:
    """Re-checks a key point verdict with the model. The scorer calls it for borderline verdicts only and keeps its
    own when `verdict()` returns None."""

    def __init__(self, client: ChatClient):
        self.client = client

    def verdict(self, *, point: str, sub_points: list[str], sentences: list[str], language: str) -> JudgeVerdict | None:  # fmt: skip
        sentences = [s[:MAX_SENTENCE_CHARS] for s in sentences[:MAX_SENTENCES]]
        if not sentences or not point.strip():
            return None
        english = language.startswith("en")
        subs = ""
        if sub_points:
            subs = ("Its sub-points (numbered from 0):\n" if english else "子要点（编号从 0 开始）：\n") + _numbered(sub_points) + "\n"  # fmt: skip
        prompt = (_PROMPT_EN if english else _PROMPT_ZH).format(point=point, subs=subs, sentences=_numbered(sentences))
        try:
            answer = self.client.chat(
                [{"role": "user", "content": prompt}], max_tokens=120, temperature=0.0, json_mode=True
            )
        except LLMError:
            return None
        verdict = parse_verdict(answer, sentences=len(sentences), sub_points=len(sub_points))
        if verdict is None:
            log.warning("LLM judge gave no valid verdict; the scorer keeps its own")
        return verdict


def get_judge() -> LLMJudge | None:
    """The judge named by PRACTICE_JUDGE_BACKEND ("off", the default, or "openai"), or None."""
    backend = getattr(settings, "PRACTICE_JUDGE_BACKEND", "off")
    if backend == "off":
        return None
    if backend != "openai":
        log.error("PRACTICE_JUDGE_BACKEND=%r is not one of off, openai; the judge is off", backend)
        return None
    client = chat_client_from_settings()
    return LLMJudge(client) if client is not None else None
