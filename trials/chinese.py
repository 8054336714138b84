"""Chinese in a query: Traditional made Simplified (OpenCC's t2s tables), and
runs of Chinese characters segmented into words (jieba, with THUOCL's
medical word list, HPO's Chinese labels and staff's Chinese names as its
user dictionary, so that "肠易激综合征" stays one word).

The segmenter is built once per process, on the first Chinese query (about
a second: jieba's own dictionary from its cache, then the user words).
Nothing is downloaded: jieba and OpenCC carry their data in their packages.
"""

from __future__ import annotations

import gzip
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import jieba
from django.conf import settings
from opencc import OpenCC

from trials.terminology import DATA_DIR

jieba.setLogLevel(logging.WARNING)
_T2S = OpenCC("t2s")
_LOCK = threading.Lock()
_SEGMENTER: jieba.Tokenizer | None = None
_SEGMENTER_VERSION: object = None


def simplified(text: str) -> str:
    """Traditional characters and words as Simplified ("癲癇" → "癫痫")."""
    return _T2S.convert(text)


def _thuocl_words() -> Iterable[tuple[str, int]]:
    try:
        with gzip.open(DATA_DIR / "thuocl-medical.txt.gz", "rt", encoding="utf-8") as lines:
            for line in lines:
                word, _, frequency = line.strip().partition("\t")
                if word:
                    yield word, int(frequency or 1)
    except OSError:
        return


def segmenter(version: object, extra_words: Callable[[], list[str]]) -> jieba.Tokenizer:
    """The process's segmenter, with `extra_words()` (the terminology's and
    staff's Chinese names) among its words; rebuilt when `version` changes."""
    global _SEGMENTER, _SEGMENTER_VERSION
    with _LOCK:
        if _SEGMENTER is None or version != _SEGMENTER_VERSION:
            tokenizer = jieba.Tokenizer()
            # jieba keeps its parsed dictionary as a cache file: in the
            # site's own writable folder, not a shared /tmp.
            if Path(settings.VAR_DIR).is_dir():
                tokenizer.tmp_dir = str(settings.VAR_DIR)
            tokenizer.initialize()
            for word, frequency in _thuocl_words():
                tokenizer.add_word(word, freq=min(frequency, 10000))
            for word in extra_words():
                # A name of a concept is one word, however rare its characters.
                tokenizer.add_word(word, freq=20000)
            _SEGMENTER, _SEGMENTER_VERSION = tokenizer, version
        return _SEGMENTER


def segments(run: str, version: object, extra_words: Callable[[], list[str]]) -> list[str]:
    """The words of one run of Chinese characters."""
    return [word for word in segmenter(version, extra_words).cut(run, HMM=True) if word.strip()]
