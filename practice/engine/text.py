"""Text helpers shared by matching and scoring. Chinese first, English too."""

import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import opencc

from practice.engine.model_cache import prepare_jieba

CJK = re.compile(r"[\u3400-\u9fff]")
# A sentence ends after 。！？!?；; or a newline, and after a full stop that is followed by a space or by Chinese
# ("is.您现在" is two sentences; "3.5" and "e.g" are not split).
SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])|(?<=[.…])(?:\s+|(?=[\u3400-\u9fff]))")
# Zero-width and formatting characters that only hide words from matching.
INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
# Spaces between two Chinese characters ("稳 赚 不 赔") carry no meaning.
CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff])[ \t\u3000]+(?=[\u3400-\u9fff])")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """The form every matcher sees: traditional Chinese as simplified (OpenCC), full-width letters, digits and
    punctuation as their ASCII forms except the Chinese sentence punctuation (NFKC would turn 。 into a dot that
    is not a sentence end), invisible characters removed, spaces inside Chinese removed."""
    text = INVISIBLE.sub("", text or "")
    text = "".join(_fold(c) for c in text)
    if CJK.search(text):
        text = _t2s().convert(text)
        text = CJK_SPACE.sub("", text)
    return text


KEEP_WIDE = frozenset("。，、；：？！「」『』（）【】《》〈〉“”‘’…—～")


def _fold(char: str) -> str:
    if char in KEEP_WIDE or ord(char) < 0x80:
        return char
    if char == "\u3000":
        return " "
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


CLAUSE_BREAK = "，,。.!！?？;；:：\n、"
WORD = re.compile(r"[a-z0-9']+")
PUNCT = re.compile(r"[\s，,。.!！?？;；:：、\"'“”‘’()（）\[\]【】<>《》…—\-~～]+")

STOPWORDS = frozenset(
    "的 了 是 我 我们 您 你 你们 吗 呢 吧 啊 呀 在 和 与 也 就 都 这 那 这个 那个 一个 有 很 还 又 会 能 要 给 对 把 被 "
    "the a an to of and or is are was be you we i it for in on at that this with our your my me us do does".split()
)


def has_cjk(text: str) -> bool:
    return bool(CJK.search(text))


def split_sentences(text: str) -> list[str]:
    """Sentences (normalised, see `normalise`) with their end punctuation kept; blank pieces dropped."""
    parts = SENTENCE_END.split(normalise(text or ""))
    return [p.strip() for p in parts if p and p.strip()]


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The [begin, finish) of the clause (between punctuation) around text[start:end]."""
    begin = start
    while begin > 0 and text[begin - 1] not in CLAUSE_BREAK:
        begin -= 1
    finish = end
    while finish < len(text) and text[finish] not in CLAUSE_BREAK:
        finish += 1
    return begin, finish


def text_length(text: str) -> int:
    """Length a reader feels: Chinese characters count one each, English words one each."""
    cjk = len(CJK.findall(text))
    words = len(WORD.findall(CJK.sub(" ", text.lower())))
    return cjk + words


@lru_cache(maxsize=1)
def _jieba():
    """jieba with its dictionary ready, or None when jieba is not installed. Called on the first Chinese text only,
    so a process that never tokenises Chinese never loads the dictionary."""
    try:
        import jieba
    except ImportError:  # the lexical scorer still works on characters
        return None
    jieba.setLogLevel(logging.WARNING)
    prepare_jieba(jieba.dt)  # from our cache when it is there; else jieba builds it on first use and caches it
    return jieba


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(tokens_uncached(text))


def tokens(text: str) -> list[str]:
    return list(_tokens(text or ""))


def tokens_uncached(text: str) -> list[str]:
    """Words without punctuation or stop words: jieba for Chinese, regex for Latin script."""
    text = (text or "").lower()
    out: list[str] = []
    for chunk in PUNCT.split(text):
        if not chunk:
            continue
        if has_cjk(chunk):
            if (jieba := _jieba()) is not None:
                out.extend(w for w in jieba.lcut(chunk) if w.strip())
            else:
                out.extend(chunk)
        else:
            out.extend(WORD.findall(chunk))
    return [t for t in out if t not in STOPWORDS and not PUNCT.fullmatch(t)]


def char_bigrams(text: str) -> set[str]:
    chars = [c for c in (text or "").lower() if CJK.match(c)]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def apply_synonyms(text: str, groups: Iterable[Iterable[str]]) -> str:
    """Replace every synonym by the first word of its group, longest first, so `报价`/`价格` compare equal."""
    pairs = []
    for group in groups or ():
        words = [w for w in group if w]
        if len(words) > 1:
            pairs.extend((w.lower(), words[0].lower()) for w in words[1:])
    text = (text or "").lower()
    for word, canon in sorted(pairs, key=lambda p: -len(p[0])):
        text = text.replace(word, canon)
    return text


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=8192)
def _features(text: str, synonyms: tuple[tuple[str, ...], ...]) -> tuple[frozenset, frozenset]:
    normalised = apply_synonyms(text, synonyms)
    return frozenset(_stem(t) for t in tokens(normalised)), frozenset(char_bigrams(normalised))


def lexical_similarity(reply: str, reference: str, synonyms: Iterable[Iterable[str]] = ()) -> float:
    """How much of `reference` the reply contains (0..1): word containment blended with Chinese bigram
    containment, after mapping synonyms. Asymmetric on purpose: a long reply that covers the point counts."""
    key = tuple(tuple(group) for group in synonyms or ())
    ref_tokens, ref_bigrams = _features(reference or "", key)
    if not ref_tokens:
        return 0.0
    reply_tokens, reply_bigrams = _features(reply or "", key)
    word_score = len(ref_tokens & reply_tokens) / len(ref_tokens)
    if not ref_bigrams:
        return word_score
    return 0.5 * word_score + 0.5 * len(ref_bigrams & reply_bigrams) / len(ref_bigrams)


def contains_any(text: str, words: Iterable[str]) -> str | None:
    """The first of `words` found in text (case-insensitive, whole words for Latin script), or None."""
    low = (text or "").lower()
    for word in words:
        w = word.lower().strip()
        if not w:
            continue
        if has_cjk(w):
            if w in low:
                return word
        elif re.search(r"(?<![a-z])" + re.escape(w) + r"(?![a-z])", low):
            return word
    return None
