"""Key points: what a trainer writes ("说明等待期内出险不赔付"), what a reply must state to cover it.

- `instruction()` splits the trainer's instruction verb from the content ("说明" + "等待期内出险不赔付"): the reply
  is compared with the content (a salesperson never says "说明"), and the verb says whether the point is told,
  asked or proposed (a question does not state a fact; a statement does not ask the customer).
- `split_compound()` cuts a compound point into its required parts ("说明等待期为90天，并说明期间出险不赔").
- `polarity_clash()` finds a reply that asserts the opposite: the words under a negation in the point appear
  un-negated in the reply, or the other way round ("没有等待期，出险就赔" against "等待期内出险不赔付").
- `paraphrases()` offers examples for a point that has none (through the LLM when one is configured, else a few
  spoken forms of the content).
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from practice.engine.llm import LLMError
from practice.engine.text import CJK, has_cjk, normalise

ASK, TELL, PROPOSE, CHECK = "ask", "tell", "propose", "check"  # check: confirm, by asking or by saying

# Instruction verbs a trainer puts in front of a key point, longest first; the mode says what the reply must do.
_ZH_PREFIXES = {
    ASK: "主动询问 询问客户 询问 问清楚 问清 问明 了解清楚 了解客户 了解 探询 探寻 挖掘 打听 问",
    CHECK: "跟客户确认 与客户确认 向客户确认 确认",
    PROPOSE: "主动邀请 邀请客户 邀请 提议 建议客户 建议 提出 约客户 约定 争取 推荐",
    TELL: (
        "向客户说明 向客户介绍 向客户解释 向客户强调 向客户承认 跟客户说明 告诉客户 告知客户 "
        "提醒客户 清楚说明 如实说明 主动说明 明确说明 明确告知 说明 介绍 解释 告知 告诉 强调 提醒 指出 表明 承认 "
        "讲清楚 讲清 讲明 回应 澄清 展示 给出 列举 引用 分享 明确"
    ),
}
_EN_PREFIXES = {
    ASK: "ask the customer about|ask the customer|ask about|ask for|ask whether|ask if|ask what|ask how|ask|find out|enquire about|explore|probe|uncover",
    PROPOSE: "invite the customer to|invite them to|invite|propose|suggest|offer to|offer|book|arrange|schedule",
    CHECK: "confirm with the customer|confirm whether|confirm if|double-check|verify",
    TELL: (
        "explain to the customer that|explain that|explain|tell the customer that|tell the customer|tell them|"
        "tell|mention that|mention|state that|state|point out that|point out|make clear that|make it clear that|"
        "make clear|clarify that|clarify|stress that|stress|emphasise that|emphasize that|emphasise|emphasize|"
        "confirm that|confirm|acknowledge that|acknowledge|admit that|admit|disclose that|disclose|show|present|"
        "describe|reassure the customer that|reassure"
    ),
}
_ZH = sorted(((p, mode) for mode, words in _ZH_PREFIXES.items() for p in words.split()), key=lambda x: -len(x[0]))
_EN = sorted(((p, mode) for mode, words in _EN_PREFIXES.items() for p in words.split("|")), key=lambda x: -len(x[0]))


@dataclass(frozen=True)
class Instruction:
    mode: str  # ask | tell | propose
    content: str  # the point without the instruction verb ("等待期内出险不赔付")


@lru_cache(maxsize=2048)
def instruction(point: str) -> Instruction:
    text = normalise(point).strip()
    if has_cjk(text):
        for prefix, mode in _ZH:
            if text.startswith(prefix) and len(text) > len(prefix) + 1:
                return Instruction(mode, text[len(prefix) :].lstrip("：:，, "))
        return Instruction(TELL, text)
    low = text.lower()
    for prefix, mode in _EN:
        if re.match(re.escape(prefix) + r"\b", low) and len(low) > len(prefix) + 2:
            return Instruction(mode, text[len(prefix) :].strip(" :,"))
    return Instruction(TELL, text)


# --- compound points ----------------------------------------------------------------------------------------

_ZH_JOINS = re.compile(
    r"[；;]|[，,、]?(?:并且|并|同时|以及|然后|再|而且)(?="
    + "|".join(p for p, _m in _ZH)
    + r")|[，,]\s*(?:并且|同时|以及|而且)"
)
_EN_JOINS = re.compile(
    r";|,?\s+and then\s+|,?\s+and\s+(?=(?:" + "|".join(p for p, _m in _EN) + r")\b)|,?\s+as well as\s+", re.I
)


@lru_cache(maxsize=2048)
def split_compound(point: str) -> list[str]:
    """The required parts of a compound key point, each a key point of its own; [] when it is not compound.

    Parts are cut where the trainer joins two statements: a semicolon, 并/并且/同时/以及 before another
    instruction verb ("说明等待期为90天，并说明期间出险不赔"), "; " or ", and explain ..." in English. A short part
    without its own verb keeps the first part's verb ("说明A，并且B" -> "说明A", "说明B")."""
    text = (point or "").strip()
    pattern = _ZH_JOINS if has_cjk(text) else _EN_JOINS
    parts = [p.strip(" ，,。.、") for p in pattern.split(text)]
    parts = [p for p in parts if p and len(p) >= 2]
    if len(parts) < 2:
        return []
    verb = _verb_of(parts[0])
    out = []
    for part in parts:
        if verb and instruction(part).content == normalise(part).strip() and not _verb_of(part):
            part = f"{verb}{part}" if has_cjk(part) else f"{verb} {part}"
        out.append(part)
    return out[:6]


def _verb_of(part: str) -> str:
    text = normalise(part).strip()
    if has_cjk(text):
        return next((p for p, _m in _ZH if text.startswith(p)), "")
    low = text.lower()
    return next((text[: len(p)] for p, _m in _EN if re.match(re.escape(p) + r"\b", low)), "")


# --- negation and polarity ----------------------------------------------------------------------------------

# Words that contain a negation character without negating (别家, 不但, 非常, 未来, 没错 ...): removed before the
# negations are counted. 没问题/不客气 are affirmations.
NOT_NEGATING_ZH = (
    "不但", "不仅", "不光", "不只", "不单", "不少", "不错", "不断", "不管", "不论", "不用担心", "不必担心", "不好意思",
    "不客气", "不妨", "不久", "不同", "不止", "没错", "没问题", "毫无疑问", "无论", "无需担心", "别家", "别人",
    "别的", "别处", "别墅", "非常", "未来", "除非", "并非不", "莫非", "无锡", "不定期",
)  # fmt: skip
NEGATIONS_ZH = ("没有", "并非", "不是", "不会", "不能", "不用", "无法", "难以", "绝不", "从不", "从未", "不", "没", "无", "未", "非", "别", "勿", "莫", "免")  # fmt: skip
NEGATIONS_EN = frozenset(("not", "no", "never", "cannot", "without", "none", "nothing", "nobody", "neither", "nor", "zero"))  # fmt: skip
NOT_NEGATING_EN = re.compile(r"\b(?:not only|no problem|no doubt|not just|no worries|no matter)\b", re.I)
CLAUSE = re.compile(r"[，,。.!！?？;；:：\n、]|\b(?:but|however|although|though)\b|但是|但|不过|可是|然而")
ZH_SCOPE = 8  # characters a Chinese negation reaches within its clause
EN_SCOPE = 5  # words an English negation reaches
_ZH_FUNCTION = frozenset("的了是我们您你他她它这那就都也还会要在和与及或吗呢吧啊呀哦嘛个些把被给对很太更最就才再又")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_EN_STOP = frozenset(
    "the a an to of and or is are was were be been it its for in on at that this these those with our your my "
    "we you i they he she them us do does did will would can could should may might have has had there their "
    "as by from so if then than".split()
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


COMPLEMENTS = frozenset("出了到起上下动完成回来去住掉开")
# A clause that ends by turning its topic down (试驾就没必要了, 私有化部署我们不做, 报告不提供).
REJECTION = re.compile(
    r"(?:就|也|都|是|我们|咱们)?(?:没必要|不需要|不用|不做|不行|不提供|不安排|不支持|不包括|不包含|不含|不保|不赔|不退|不可以|不能|没有|做不了|办不到|不给)(?:了|的|啊|哦)?[\s·]*$"
)


def _zh_marks(text: str, clause_negated: set | None = None) -> dict[str, set[int]]:
    """Each content character of the text -> the parities (0 plain, 1 negated) it appears with; the characters
    of clauses holding any negation are added to `clause_negated` (试驾就没必要了 rejects 试驾)."""
    clause_negated = set() if clause_negated is None else clause_negated
    marks: dict[str, set[int]] = {}
    for clause in CLAUSE.split(text):
        if not clause:
            continue
        for phrase in NOT_NEGATING_ZH:
            clause = clause.replace(phrase, "·" * len(phrase))  # keeps positions, hides the false negation
        cues: list[int] = []  # the positions where a negation ends
        i = 0
        content: list[tuple[int, str]] = []
        while i < len(clause):
            cue = next((n for n in NEGATIONS_ZH if clause.startswith(n, i)), None)
            if cue:
                cues.append(i + len(cue))
                i += len(cue)
                continue
            char = clause[i]
            if CJK.match(char) and char not in _ZH_FUNCTION:
                content.append((i, char))
            i += 1
        # 赎不出来, 赔不了, 用不上: the verb before a potential complement is negated too
        verbs = {i - 1 for i in range(1, len(clause) - 1) if clause[i] in "不没" and clause[i + 1] in COMPLEMENTS}
        for pos, char in content:
            parity = (sum(1 for end in cues if end <= pos < end + ZH_SCOPE) + (pos in verbs)) % 2
            marks.setdefault(char, set()).add(parity)
        rejected = REJECTION.search(clause)
        if rejected:  # the clause turns down its topic: every content character before the rejection
            clause_negated.update(char for pos, char in content if pos < rejected.start())
    return marks


def _en_marks(text: str, clause_negated: set | None = None) -> dict[str, set[int]]:
    clause_negated = set() if clause_negated is None else clause_negated
    marks: dict[str, set[int]] = {}
    text = NOT_NEGATING_EN.sub(" ", text.lower().replace("’", "'"))
    for clause in CLAUSE.split(text):
        words = _WORD.findall(clause or "")
        cues: list[int] = []
        for k, word in enumerate(words):
            if word in NEGATIONS_EN or word.endswith("n't"):
                cues.append(k + 1)
                continue
            if word in _EN_STOP:
                continue
            parity = sum(1 for end in cues if end <= k < end + EN_SCOPE) % 2
            marks.setdefault(_stem(word), set()).add(parity)
    return marks


def marks(text: str, clause_negated: set | None = None) -> dict[str, set[int]]:
    text = normalise(text)
    found = _zh_marks(text, clause_negated)
    for word, parities in _en_marks(CJK.sub(" ", text), clause_negated).items():
        found.setdefault(word, set()).update(parities)
    return found


_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
UNITS = ("万公里", "公里", "个月", "年", "天", "月", "周", "%", "成", "万", "元", "块", "倍", "次", "岁", "米", "平方", "桌", "人", "years", "year", "months", "month", "days", "day", "km", "miles", "percent")  # fmt: skip
_NUMBER = re.compile(
    r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)\s*(" + "|".join(re.escape(u) for u in UNITS) + ")", re.I
)


def _zh_number(text: str) -> float | None:
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    total, current = 0, 0
    for char in text:
        if char in _ZH_DIGITS:
            current = _ZH_DIGITS[char]
        elif char == "万":
            total, current = (total + current or 1) * 10000, 0
        elif char in _ZH_UNITS:
            total += (current or 1) * _ZH_UNITS[char]
            current = 0
        else:
            return None
    return float(total + current)


def quantities(text: str) -> dict[str, set[float]]:
    """Numbers by their unit ("三年或十万公里" -> {"年": {3}, "万公里": {10}})."""
    found: dict[str, set[float]] = {}
    for number, unit in _NUMBER.findall(normalise(text)):
        value = _zh_number(number)
        if value is None:
            continue
        if unit == "万公里":
            value, unit = value * 10000, "公里"
        found.setdefault(unit.lower().rstrip("s") if unit.isascii() else unit, set()).add(value)
    return found


def number_clash(reference: str, reply: str) -> bool:
    """The reply gives another number for a quantity of the point (质保一年 against 质保三年)."""
    ref, got = quantities(reference), quantities(reply)
    return any(unit in got and not (ref[unit] & got[unit]) for unit in ref)


def polarity_clash(reference: str, reply: str) -> bool:
    """Whether the reply asserts the opposite of the reference on the words they share.

    The point's negated words (不赔付 in 等待期内出险不赔付) decide when it has any: the reply contradicts it when
    most of those it repeats appear only un-negated (出险就赔). A point without a negation is contradicted when
    most of the words the reply repeats appear only under a negation (没有等待期 against 等待期为90天)."""
    if number_clash(reference, reply):
        return True
    ref = marks(reference)
    clause_negated: set = set()
    got = marks(reply, clause_negated)
    negated = [w for w, p in ref.items() if 1 in p]
    if negated:
        shared = [w for w in negated if w in got]
        if not shared:
            return False
        clash = sum(1 for w in shared if 1 not in got[w])
        return clash * 2 > len(shared)
    # Later words weigh more: the predicate comes last in a Chinese point (收益会随市场波动), so 收益不会波动
    # contradicts it while 收益不是固定的，会有波动 does not.
    # A word of the point in a reply clause that holds a negation counts as negated (私有化部署我们不做).
    order = {w: k + 1 for k, w in enumerate(ref)}
    shared = [w for w in ref if w in got]
    if len(shared) < 2 and not (shared and not has_cjk(reference)):
        return False
    clash = sum(order[w] for w in shared if got[w] == {1} or w in clause_negated)
    return clash * 2 > sum(order[w] for w in shared)


QUESTION_ZH = ("吗", "呢", "是不是", "有没有", "能不能", "可不可以", "会不会", "要不要", "请问", "想了解", "想问",
               "方便说", "能否", "可否", "多少", "什么", "怎么", "如何", "哪", "几", "为什么", "是否")  # fmt: skip
QUESTION_EN = re.compile(r"\b(?:what|how|which|why|when|who|where|could you|can you|would you|do you|are you|is it|"
                         r"did you|have you|tell me|may i ask|i'd like to know|i would like to know)\b", re.I)  # fmt: skip


def is_question(sentence: str) -> bool:
    text = normalise(sentence).strip()
    if text.endswith(("?", "？")):
        return True
    if has_cjk(text):
        return any(q in text for q in ("请问", "想了解一下", "想问一下", "能否", "可否"))
    return bool(re.match(r"(?:could you|can you|would you|may i ask|i'd like to know)\b", text.lower()))


def asks(sentence: str) -> bool:
    """A question, or a request for information ("说说您的预算", "tell me about ...")."""
    text = normalise(sentence)
    if is_question(text):
        return True
    if has_cjk(text):
        return any(w in text for w in ("说说", "讲讲", "介绍一下您", "聊聊", "请您说", "了解一下您", "想了解"))
    return bool(re.search(r"\b(?:tell me|walk me through|help me understand|i'd love to hear|curious)\b", text.lower()))


# --- paraphrases for points without examples ------------------------------------------------------------------

_ZH_FORMS = {
    TELL: ("{c}。", "跟您说明一下，{c}。", "这点我要说清楚：{c}。"),
    ASK: ("请问{c}？", "方便问一下{c}吗？", "想了解一下{c}。"),
    CHECK: ("跟您确认一下{c}。", "{c}，对吗？", "我再核对一下：{c}。"),
    PROPOSE: ("要不我们{c}？", "我建议{c}，您看可以吗？", "您看什么时候方便{c}？"),
}
_EN_FORMS = {
    TELL: ("{c}.", "Just so you know, {c}.", "I want to be clear: {c}."),
    ASK: ("Could you tell me about {c}?", "May I ask about {c}?", "What about {c}?"),
    CHECK: ("Just to confirm: {c}.", "{c} - is that right?", "Let me check: {c}?"),
    PROPOSE: ("How about {c} this week?", "I'd suggest {c} - would that work for you?", "Shall we set up {c}?"),
}


def paraphrases(text: str, language: str = "zh-hans", *, client=None) -> list[str]:
    """Three example sentences for a key point without examples, for the trainer to accept or edit: from the LLM
    (`client`, a practice.engine.llm.ChatClient) when one is given and answers, else spoken forms of the point's
    content. They are suggestions only: nothing is added to a scenario without the trainer."""
    point = instruction(text)
    if client is not None:
        generated = _llm_paraphrases(client, text, language)
        if generated:
            return generated
    forms = _ZH_FORMS if has_cjk(point.content) else _EN_FORMS
    content = point.content.rstrip("。.!！?？")
    return [form.format(c=content) for form in forms[point.mode]]


def _llm_paraphrases(client, text: str, language: str) -> list[str]:
    if language.startswith("en"):
        prompt = (
            f"A sales trainer wrote this key point for a role-play: “{text}”. Write three different sentences a good "
            "salesperson might say to a customer that state it in their own words, one per line, nothing else."
        )
    else:
        prompt = (
            f"销售培训师为陪练写了一个要点：“{text}”。请写出三句优秀销售会对客户说的、用自己的话表达这个要点的口语句子，"
            "每行一句，不要编号，不要其他内容。"
        )
    try:
        answer = client.chat([{"role": "user", "content": prompt}], max_tokens=300, temperature=0.7)
    except LLMError:  # the optional model failed: the offline forms instead
        return []
    lines = [re.sub(r"^\s*(?:[-*•]|\d+[.、)])\s*", "", line).strip() for line in str(answer).splitlines()]
    return [line[:200] for line in lines if len(line) >= 4][:3]
