"""jieba's dictionary from our cache directory: the same dictionary jieba builds, read faster; a doubtful cache
(damaged, writable by others) or a disabled cache leaves jieba to build it its own way; English text never loads it."""

import logging
import os
from pathlib import Path

import pytest

from practice.engine import model_cache, text

jieba = pytest.importorskip("jieba")

SENTENCES = ["李经理您好，理解您对成本的关注", "我们的铜材纯度更高，综合成本其实更低", "不能保证收益"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A cache directory with jieba's own cache file in it, and the tokenizer that built it (built once)."""
    from django.conf import settings

    root = tmp_path_factory.mktemp("cache")
    old = getattr(settings, "PRACTICE_MODEL_CACHE_DIR", None)
    settings.PRACTICE_MODEL_CACHE_DIR = str(root)
    try:
        tokenizer = jieba.Tokenizer()
        assert model_cache.prepare_jieba(tokenizer) is False  # nothing cached yet
        assert tokenizer.initialized is False
        tokenizer.initialize()  # jieba builds from dict.txt and writes its cache file where we pointed it
    finally:
        settings.PRACTICE_MODEL_CACHE_DIR = old
    return root, tokenizer


@pytest.fixture
def cache_dir(built, settings):
    settings.PRACTICE_MODEL_CACHE_DIR = str(built[0])
    return built[0]


def cache_file(root: Path) -> Path:
    (path,) = root.glob("jieba-*.cache")
    return path


def test_cache_file_is_keyed_by_jiebas_version_and_dictionary(cache_dir):
    path = cache_file(cache_dir)
    assert path.name == model_cache._jieba_cache_name()
    assert path.name.startswith(f"jieba-{jieba.__version__}-")
    assert path.stat().st_mode & 0o077 == 0  # jieba writes it through mkstemp: ours only


def test_cached_dictionary_is_the_one_jieba_builds(built, cache_dir):
    fresh = jieba.Tokenizer()
    assert model_cache.prepare_jieba(fresh) is True
    assert fresh.initialized
    assert fresh.total == built[1].total and fresh.FREQ == built[1].FREQ
    assert [fresh.lcut(s) for s in SENTENCES] == [built[1].lcut(s) for s in SENTENCES]


def test_damaged_cache_is_left_to_jieba(cache_dir, tmp_path, settings, caplog):
    settings.PRACTICE_MODEL_CACHE_DIR = str(tmp_path)
    (tmp_path / model_cache._jieba_cache_name()).write_bytes(b"\x00not marshal")
    os.chmod(tmp_path / model_cache._jieba_cache_name(), 0o600)
    fresh = jieba.Tokenizer()
    with caplog.at_level(logging.WARNING):
        assert model_cache.prepare_jieba(fresh) is False
    assert not fresh.initialized and fresh.FREQ == {}
    assert "unreadable" in caplog.text


def test_cache_writable_by_others_is_not_read(cache_dir, tmp_path, settings):
    settings.PRACTICE_MODEL_CACHE_DIR = str(tmp_path)
    planted = tmp_path / model_cache._jieba_cache_name()
    planted.write_bytes(cache_file(cache_dir).read_bytes())
    os.chmod(planted, 0o666)  # noqa: S103 - the doubtful file under test
    fresh = jieba.Tokenizer()
    assert model_cache.prepare_jieba(fresh) is False
    assert not fresh.initialized


def test_disabled_cache_leaves_jieba_alone(settings):
    settings.PRACTICE_MODEL_CACHE_DIR = ""
    fresh = jieba.Tokenizer()
    assert model_cache.prepare_jieba(fresh) is False
    assert fresh.tmp_dir is None and fresh.cache_file is None and not fresh.initialized


def test_english_text_does_not_load_the_dictionary():
    before = text._jieba.cache_info()
    assert text.tokens_uncached("We can deliver next Tuesday, with a written warranty.") == [
        "can",
        "deliver",
        "next",
        "tuesday",
        "written",
        "warranty",
    ]
    after = text._jieba.cache_info()
    assert (after.hits, after.misses) == (before.hits, before.misses)
