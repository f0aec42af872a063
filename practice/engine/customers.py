"""The virtual customer. Two backends behind one interface:

- `ScriptedCustomer` (default): deterministic; walks the scenario graph. A reply takes the branch whose references
  it matches best: the intent examples (and, after an objection with one way on, the scenario's answers to it), as
  the better of the sentence encoder's cosine and the lexical containment, each against its threshold, over the
  whole reply and each of its sentences, with a margin over the runner-up; else the branch whose keyword it
  contains. When it is unsure, the customer stays in character and moves the talk forward (`advance`): to the
  node's `next`; else where the reply leaned (a branch near its threshold, clearly ahead); else to the next node of
  its script not yet visited (its next question, or an objection not yet raised). The fallback line is said only
  when nothing can move forward, never twice in a row: a second unsure reply then goes to the closing line, or the
  customer ends the call politely. It never says the line it just said again.
- `OpenAICompatibleCustomer`: an OpenAI-compatible chat endpoint (practice.engine.llm) voices the customer, steered
  by the scripted line; when it fails (LLMError, after retries or with the breaker open) the scripted line is said
  and the failure is recorded in the trace. The graph position always comes from the script, so scoring and the
  end of the call stay deterministic.

Every turn carries a `trace` (stored in Turn.trace, for trainers): how the line was chosen, as codes and numbers.
"""

import logging
import time
from dataclasses import dataclass, field, replace

from django.conf import settings

from practice.engine.llm import ChatClient, LLMError, chat_client_from_settings
from practice.engine.semantic import Matcher
from practice.engine.spec import node_map, rubric_of
from practice.engine.text import contains_any, has_cjk, normalise, split_sentences, text_length

log = logging.getLogger(__name__)

# An unsure customer goes where the reply leaned: the branch that scored best, at least this share of its threshold
# (1.0 = a match), and ahead of the runner-up by the branch margin.
LEAN = 0.75
MIN_UNIT_LENGTH = 4  # a sentence shorter than this (characters or words) is matched only as part of the reply


@dataclass(frozen=True)
class CustomerTurn:
    text: str
    node_id: str
    objection: str | None = None
    ended: bool = False
    # start | semantic | lexical | keyword | next | advance | fallback | end, "llm+" before it when a model voiced it
    matched_by: str = "start"
    trace: dict = field(default_factory=dict)


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


@dataclass(frozen=True)
class BranchScores:
    """Per branch: the best cosine and lexical containment over its intent examples and the reply's sentences, the
    key (how far past its threshold the better of the two is; 1.0 = at it) and the keyword found."""

    semantic: list[float]
    lexical: list[float]
    keys: list[float]
    via: list[str]
    keywords: list[str | None]
    thresholds: dict
    model: bool

    def as_trace(self) -> dict:
        trace = {"scores": _rounded(self.keys), "lexical": _rounded(self.lexical), "threshold": self.thresholds}
        if self.model:
            trace["semantic"] = _rounded(self.semantic)
        return trace


def _rounded(values: list[float]) -> list[float]:
    return [round(v, 3) for v in values]


def _units(reply: str) -> list[str]:
    """The reply, and each of its sentences when it has several: one sentence may state an intent that the whole
    reply, with its greetings and asides, dilutes."""
    whole = normalise(reply).strip()
    sentences = [s for s in split_sentences(reply) if text_length(s) >= MIN_UNIT_LENGTH]
    return list(dict.fromkeys([whole, *sentences] if len(sentences) > 1 else [whole]))


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
        return CustomerTurn(node["lines"][0], node["id"], node.get("objection") or None, trace={"how": "start"})

    @staticmethod
    def _references(*, spec: dict, node: dict, branches: list[dict]) -> tuple[list[str], list[int]]:
        """(reference sentences, the branch each stands for): the branches' intent examples and, when one branch
        leads on from an objection, the scenario's answers to that objection (its model answer and points): a reply
        that answers the objection moves the talk on. (With several branches an answer could mean any of them.)"""
        refs, owners = [], []
        for b, branch in enumerate(branches):
            for intent in branch.get("intents") or []:
                refs.append(normalise(intent))
                owners.append(b)
        objection = next((o for o in spec.get("objections") or [] if o.get("code") == node.get("objection")), None)
        if objection is not None and len(branches) == 1:
            for answer in [objection.get("model_answer") or "", *(objection.get("points") or [])]:
                if answer.strip():
                    refs.append(normalise(answer))
                    owners.append(0)
        return refs, owners

    def score_branches(self, *, spec: dict, node: dict, reply: str) -> BranchScores:
        branches = node.get("branches") or []
        rubric = rubric_of(spec)
        model = self.matcher.encoder is not None
        st = rubric["semantic_threshold"]
        lt = rubric["lexical_threshold"] if model else rubric["fallback_lexical_threshold"]
        n = len(branches)
        sem_b, lex_b, key_b, via = [0.0] * n, [0.0] * n, [0.0] * n, [""] * n
        refs, owners = self._references(spec=spec, node=node, branches=branches)
        units = _units(reply)
        if refs and units:
            synonyms = [group for point in spec.get("key_points") or [] for group in point.get("synonyms") or []]
            sem, lex = self.matcher.similarities(units, refs, synonyms)
            for srow, lrow in zip(sem, lex, strict=True):
                for s, lx, b in zip(srow, lrow, owners, strict=True):
                    sem_b[b], lex_b[b] = max(sem_b[b], s), max(lex_b[b], lx)
                    by_sem, by_lex = (s / st if model else 0.0), lx / lt
                    if max(by_sem, by_lex) > key_b[b]:
                        key_b[b], via[b] = max(by_sem, by_lex), "semantic" if by_sem >= by_lex else "lexical"
        text = normalise(reply)
        keywords = [contains_any(text, branch.get("keywords") or []) for branch in branches]
        thresholds = {"semantic": st, "lexical": lt, "margin": rubric["branch_margin"]}
        return BranchScores(sem_b, lex_b, key_b, via, keywords, thresholds, model)

    def choose_branch(self, *, spec: dict, node: dict, reply: str) -> tuple[int | None, str, BranchScores | None]:
        """(branch index or None, how, scores): a match by intent (semantic or lexical) with the margin over the
        runner-up, else by keyword (the best-scoring branch among those whose keyword is in the reply);
        None with "unsure" or "ambiguous" (past the threshold, but under the margin) otherwise."""
        branches = node.get("branches") or []
        if not branches:
            return None, "", None
        scores = self.score_branches(spec=spec, node=node, reply=reply)
        keys = scores.keys
        ranked = sorted(range(len(branches)), key=lambda b: (-keys[b], b))
        best = ranked[0]
        second = keys[ranked[1]] if len(ranked) > 1 else 0.0
        margin = scores.thresholds["margin"] / scores.thresholds["semantic"]  # in threshold units, like the keys
        if keys[best] >= 1.0 and keys[best] - second >= margin:
            return best, scores.via[best], scores
        hits = [b for b in ranked if scores.keywords[b]]
        if hits:
            return hits[0], "keyword", scores
        return None, "ambiguous" if keys[best] >= 1.0 else "unsure", scores

    def respond(
        self, *, spec: dict, persona: Persona, node_id: str, reply: str, trainee_turns: int, history: list[dict]
    ) -> CustomerTurn:
        nodes = node_map(spec)
        node = nodes.get(node_id) or nodes[spec["start"]]
        if node.get("closing"):
            # the salesperson has had the last word after the customer's closing line
            return CustomerTurn(node.get("farewell") or end_line(spec), node["id"], None, True, "end", {"how": "end", "reason": "closing"})  # fmt: skip
        index, how, scores = self.choose_branch(spec=spec, node=node, reply=reply)
        branches = node.get("branches") or []
        trace = scores.as_trace() if scores else {}
        if scores:
            trace["branches"] = [b["to"] for b in branches]
        target = None
        if index is not None:
            target = nodes[branches[index]["to"]]
            trace.update(how=how, chosen=target["id"])
            if how == "keyword":
                trace["keyword"] = scores.keywords[index]
        elif not branches and node.get("next") in nodes:
            target, how = nodes[node["next"]], "next"
            trace.update(how="next", chosen=target["id"])
        if trainee_turns >= spec["max_turns"]:
            trace.update(how="end", reason="max_turns")
            return CustomerTurn(end_line(spec), (target or node)["id"], None, True, "end", trace)
        last = next((t.get("text") for t in reversed(history) if t.get("speaker") == "customer"), None)
        if target is not None and _line(target, history) == last:  # a way back to the line just said: not again
            trace["repeat"] = trace.pop("chosen")
            target, how = None, "repeat"
        if target is None:
            return self._unsure(spec=spec, node=node, nodes=nodes, history=history, reason=how or "unsure", scores=scores, trace=trace)  # fmt: skip
        # a closing node does not end the call yet: the salesperson answers it, then the customer says goodbye
        return CustomerTurn(_line(target, history), target["id"], target.get("objection") or None, False, how, trace)

    def _unsure(self, *, spec, node, nodes, history, reason, scores, trace) -> CustomerTurn:
        """No branch matched: move forward: to the node's next; else where the reply leaned (see `_leaning`); else
        to the script's next unvisited question or objection (one that does not raise an objection again first).
        When only the closing line or visited nodes are left: the fallback line, unless it was the last thing said;
        then the closing line, or a polite end."""
        customer_turns = [t for t in history if t.get("speaker") == "customer"]
        visited = {t.get("node_id") for t in customer_turns} | {node["id"]}
        raised = {t.get("objection") for t in customer_turns if t.get("objection")}
        said_fallback = bool(customer_turns) and customer_turns[-1].get("text") == spec["fallback_line"]
        candidates: dict[str, int | None] = {}  # target -> branch index (None: the node's next)
        if node.get("next") in nodes:
            candidates[node["next"]] = None
        for b, branch in enumerate(node.get("branches") or []):
            candidates.setdefault(branch["to"], b)
        forward = [t for t in candidates if t not in visited and not nodes[t].get("closing")]
        closing = [t for t in candidates if nodes[t].get("closing")]
        trace = {**trace, "how": "advance", "reason": reason}
        lean = False
        if node.get("next") in nodes and node["next"] not in visited:  # the author's default, the closing line too
            chosen = node["next"]
        elif leaned := _leaning(forward + closing, candidates, scores):
            chosen, lean = leaned, True
        elif forward:
            fresh = [t for t in forward if not nodes[t].get("objection") or nodes[t]["objection"] not in raised]
            chosen = (fresh or forward)[0]
        elif closing and said_fallback:
            chosen, trace["reason"] = closing[0], f"{reason}_again"
        elif said_fallback:
            trace.update(how="end", reason=f"{reason}_again")
            return CustomerTurn(end_line(spec), node["id"], None, True, "end", trace)
        else:
            trace.update(how="fallback", chosen=node["id"])
            return CustomerTurn(spec["fallback_line"], node["id"], None, False, "fallback", trace)
        target = nodes[chosen]
        trace["chosen"] = chosen
        if lean:
            trace["lean"] = True
        return CustomerTurn(_line(target, history), chosen, target.get("objection") or None, False, "advance", trace)


def _leaning(targets: list[str], candidates: dict[str, int | None], scores: BranchScores | None) -> str | None:
    """The target (among `targets`) the reply leaned to: its branch scored best of all the node's branches, at
    least LEAN of its threshold, and led the runner-up by the branch margin."""
    if scores is None or not scores.keys:
        return None
    ranked = sorted(range(len(scores.keys)), key=lambda b: (-scores.keys[b], b))
    best = ranked[0]
    runner_up = scores.keys[ranked[1]] if len(ranked) > 1 else 0.0
    margin = scores.thresholds["margin"] / scores.thresholds["semantic"]
    if scores.keys[best] < LEAN or scores.keys[best] - runner_up < margin:
        return None
    return next((t for t in targets if candidates[t] == best), None)


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


MAX_MODEL_LINE = 1000


class OpenAICompatibleCustomer:
    """A model voices the scripted customer's line. Settings (see `get_customer_backend`): PRACTICE_LLM_BASE_URL
    (e.g. http://127.0.0.1:11434/v1), PRACTICE_LLM_MODEL, PRACTICE_LLM_API_KEY, PRACTICE_LLM_TIMEOUT (seconds per
    attempt), PRACTICE_LLM_RETRIES, PRACTICE_LLM_BREAKER_FAILURES, PRACTICE_LLM_BREAKER_COOLDOWN."""

    name = "openai"

    def __init__(
        self,
        *,
        client: ChatClient | None = None,
        base_url: str = "",
        model: str = "",
        api_key: str = "",
        timeout: float = 10.0,
        retries: int = 2,
        scripted: ScriptedCustomer | None = None,
    ):
        self.client = client or ChatClient(base_url, model, api_key=api_key, timeout=timeout, retries=retries)
        self.scripted = scripted or ScriptedCustomer()

    def _voice(self, scripted: CustomerTurn, *, spec: dict, persona: Persona, history: list[dict], reply: str | None):
        messages = [{"role": "system", "content": system_prompt(spec=spec, persona=persona)}]
        for turn in history[-12:]:
            messages.append({"role": "assistant" if turn["speaker"] == "customer" else "user", "content": turn["text"]})
        # the reply is normally the last turn of the history already (session_reply saves it first)
        if reply is not None and not (history and history[-1]["speaker"] != "customer" and history[-1]["text"] == reply):  # fmt: skip
            messages.append({"role": "user", "content": reply})
        messages.append({"role": "system", "content": f"Guidance line: {scripted.text}"})
        started = time.monotonic()
        try:
            text = self.client.chat(messages)
        except LLMError as exc:
            log.warning("LLM customer failed (%s); using the scripted line", exc.code)
            return replace(scripted, trace={**scripted.trace, "llm": {"error": exc.code, "fallback": "scripted"}})
        llm = {"model": self.client.model, "ms": round(1000 * (time.monotonic() - started))}
        return replace(
            scripted,
            text=text[:MAX_MODEL_LINE],
            matched_by=f"llm+{scripted.matched_by}",
            trace={**scripted.trace, "llm": llm},
        )

    def opening(self, *, spec: dict, persona: Persona) -> CustomerTurn:
        return self._voice(self.scripted.opening(spec=spec, persona=persona), spec=spec, persona=persona, history=[], reply=None)  # fmt: skip

    def respond(self, *, spec, persona, node_id, reply, trainee_turns, history) -> CustomerTurn:
        scripted = self.scripted.respond(
            spec=spec, persona=persona, node_id=node_id, reply=reply, trainee_turns=trainee_turns, history=history
        )
        return self._voice(scripted, spec=spec, persona=persona, history=history, reply=reply)


def get_customer_backend():
    """The backend named by PRACTICE_CUSTOMER_BACKEND ("scripted" or "openai"), read at call time; scripted when no
    usable PRACTICE_LLM_BASE_URL is set."""
    if getattr(settings, "PRACTICE_CUSTOMER_BACKEND", "scripted") == "openai":
        client = chat_client_from_settings()
        if client is not None:
            return OpenAICompatibleCustomer(client=client)
    return ScriptedCustomer()
