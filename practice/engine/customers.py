"""The virtual customer. Two backends behind one interface:

- `ScriptedCustomer` (default): deterministic; walks the scenario graph and picks the branch whose intent
  examples are most similar to the salesperson's reply (with a minimum margin over the runner-up), else the
  first branch whose keyword appears, else says the fallback line and stays.
- `OpenAICompatibleCustomer`: asks an OpenAI-compatible `/chat/completions` endpoint (vLLM, Ollama, a cloud
  model) to voice the customer, steered by the scripted line; any error falls back to the scripted line.
  The graph position always comes from the script, so scoring and the end of the call stay deterministic.
"""

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace

from django.conf import settings

from practice.engine.semantic import Matcher
from practice.engine.spec import node_map, rubric_of
from practice.engine.text import contains_any, has_cjk

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CustomerTurn:
    text: str
    node_id: str
    objection: str | None = None
    ended: bool = False
    matched_by: str = "start"  # start | semantic | keyword | next | fallback | end | llm
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Persona:
    role: str = ""
    company: str = ""
    temperament: str = ""
    situation: str = ""
    title: str = ""
    language: str = "zh-hans"


def _line(node: dict, history: list[dict]) -> str:
    visits = sum(1 for t in history if t.get("speaker") == "customer" and t.get("node_id") == node["id"])
    return node["lines"][visits % len(node["lines"])]


def end_line(spec: dict) -> str:
    if spec.get("end_line"):
        return spec["end_line"]
    return (
        "好的，今天先聊到这里，我再考虑考虑。"
        if has_cjk(spec.get("fallback_line", ""))
        else "OK, let's leave it here for today."
    )


class ScriptedCustomer:
    name = "scripted"

    def __init__(self, *, matcher: Matcher | None = None):
        self._matcher = matcher

    @property
    def matcher(self) -> Matcher:
        if self._matcher is None:
            self._matcher = Matcher()
        return self._matcher

    def opening(self, *, spec: dict, persona: Persona) -> CustomerTurn:
        node = node_map(spec)[spec["start"]]
        return CustomerTurn(node["lines"][0], node["id"], node.get("objection") or None)

    def choose_branch(self, *, spec: dict, node: dict, reply: str) -> tuple[dict | None, str, dict]:
        branches = node.get("branches") or []
        if not branches:
            return None, "", {}
        rubric = rubric_of(spec)
        refs, owners = [], []
        for b, branch in enumerate(branches):
            for intent in branch.get("intents") or []:
                refs.append(intent)
                owners.append(b)
        detail: dict = {}
        if refs:
            sem, lex = self.matcher.similarities([reply], refs)
            use_model = self.matcher.encoder is not None
            row = sem[0] if use_model else lex[0]
            threshold = rubric["semantic_threshold"] if use_model else rubric["fallback_lexical_threshold"]
            per_branch = [0.0] * len(branches)
            for score, b in zip(row, owners, strict=True):
                per_branch[b] = max(per_branch[b], score)
            ranked = sorted(range(len(branches)), key=lambda b: -per_branch[b])
            best = per_branch[ranked[0]]
            second = per_branch[ranked[1]] if len(ranked) > 1 else 0.0
            detail = {"scores": [round(s, 3) for s in per_branch], "threshold": threshold}
            if best >= threshold and best - second >= rubric["branch_margin"]:
                return branches[ranked[0]], "semantic" if use_model else "lexical", detail
        for branch in branches:
            word = contains_any(reply, branch.get("keywords") or [])
            if word:
                return branch, "keyword", {**detail, "keyword": word}
        return None, "", detail

    def respond(
        self, *, spec: dict, persona: Persona, node_id: str, reply: str, trainee_turns: int, history: list[dict]
    ) -> CustomerTurn:
        nodes = node_map(spec)
        node = nodes.get(node_id) or nodes[spec["start"]]
        if node.get("closing"):
            # the salesperson has had the last word after the customer's closing line
            return CustomerTurn(node.get("farewell") or end_line(spec), node["id"], None, True, "end")
        branch, how, detail = self.choose_branch(spec=spec, node=node, reply=reply)
        target = None
        if branch is not None:
            target = nodes[branch["to"]]
        elif not node.get("branches") and node.get("next") in nodes:
            target, how = nodes[node["next"]], "next"
        if trainee_turns >= spec["max_turns"]:
            return CustomerTurn(end_line(spec), (target or node)["id"], None, True, "end", detail)
        if target is None:
            return CustomerTurn(spec["fallback_line"], node["id"], None, False, "fallback", detail)
        # a closing node does not end the call yet: the salesperson answers it, then the customer says goodbye
        return CustomerTurn(_line(target, history), target["id"], target.get("objection") or None, False, how, detail)


def system_prompt(*, spec: dict, persona: Persona) -> str:
    objections = "; ".join(o["label"] for o in spec.get("objections") or [])
    if persona.language.startswith("en"):
        return (
            f"You play a customer in a sales role-play called “{persona.title}”. You are {persona.role} at "
            f"{persona.company}; temperament: {persona.temperament}. Situation: {persona.situation}. "
            f"Objections you may raise: {objections}. Stay in character, answer in one to three short sentences, "
            "never mention that this is a training exercise, and follow the guidance line you are given."
        )
    return (
        f"你在销售陪练“{persona.title}”中扮演客户：{persona.company}的{persona.role}，性格：{persona.temperament}。"
        f"情境：{persona.situation}。你可能提出的异议：{objections}。请始终保持角色，用一到三句简短的中文口语回答，"
        "不要提及这是培训练习，并按照给你的提示台词的意思来说。"
    )


class OpenAICompatibleCustomer:
    """Settings: PRACTICE_LLM_BASE_URL (e.g. http://127.0.0.1:11434/v1), PRACTICE_LLM_MODEL, PRACTICE_LLM_API_KEY,
    PRACTICE_LLM_TIMEOUT (seconds)."""

    name = "openai"

    def __init__(self, *, base_url: str, model: str, api_key: str = "", timeout: float = 10.0, scripted=None):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.scripted = scripted or ScriptedCustomer()

    def _chat(self, messages: list[dict]) -> str:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("PRACTICE_LLM_BASE_URL must be an http(s) URL")
        body = json.dumps({"model": self.model, "messages": messages, "temperature": 0.3, "max_tokens": 200}).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(f"{self.base_url}/chat/completions", data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked above
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - scheme checked above
            payload = json.loads(response.read().decode("utf-8"))
        text = payload["choices"][0]["message"]["content"]
        if not isinstance(text, str) or not text.strip():
            raise ValueError("empty completion")
        return text.strip()[:1000]

    def _voice(self, scripted: CustomerTurn, *, spec: dict, persona: Persona, history: list[dict], reply: str | None):
        messages = [{"role": "system", "content": system_prompt(spec=spec, persona=persona)}]
        for turn in history[-12:]:
            messages.append({"role": "assistant" if turn["speaker"] == "customer" else "user", "content": turn["text"]})
        if reply is not None:
            messages.append({"role": "user", "content": reply})
        messages.append({"role": "system", "content": f"Guidance line: {scripted.text}"})
        try:
            text = self._chat(messages)
        except (OSError, urllib.error.URLError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("LLM customer failed (%s); using the scripted line", type(exc).__name__)
            return replace(scripted, detail={**scripted.detail, "llm_error": type(exc).__name__})
        return replace(scripted, text=text, matched_by=f"llm+{scripted.matched_by}")

    def opening(self, *, spec: dict, persona: Persona) -> CustomerTurn:
        return self._voice(self.scripted.opening(spec=spec, persona=persona), spec=spec, persona=persona, history=[], reply=None)  # fmt: skip

    def respond(self, *, spec, persona, node_id, reply, trainee_turns, history) -> CustomerTurn:
        scripted = self.scripted.respond(
            spec=spec, persona=persona, node_id=node_id, reply=reply, trainee_turns=trainee_turns, history=history
        )
        return self._voice(scripted, spec=spec, persona=persona, history=history, reply=reply)


def get_customer_backend():
    """The backend named by PRACTICE_CUSTOMER_BACKEND ("scripted" or "openai"), read at call time."""
    if getattr(settings, "PRACTICE_CUSTOMER_BACKEND", "scripted") == "openai" and settings.PRACTICE_LLM_BASE_URL:
        return OpenAICompatibleCustomer(
            base_url=settings.PRACTICE_LLM_BASE_URL,
            model=settings.PRACTICE_LLM_MODEL,
            api_key=settings.PRACTICE_LLM_API_KEY,
            timeout=settings.PRACTICE_LLM_TIMEOUT,
        )
    return ScriptedCustomer()
