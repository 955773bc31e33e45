"""The cached prefix dictionary of the topic segmenter is exactly jieba's own (``Tokenizer.initialize``):
built and cached on first use, read back, written at set-up, and never taken from a file another user
could have written or from a damaged one."""

from __future__ import annotations

import io
import logging
import marshal
import os

import jieba
import pytest

from supervision.topics import segment


@pytest.fixture(scope="module")
def jieba_own(tmp_path_factory):
    """jieba's prefix dictionary as ``Tokenizer.initialize`` builds it from its dictionary file."""
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.tmp_dir = str(tmp_path_factory.mktemp("jieba"))  # no cache there: built from dict.txt
    tk.initialize()
    return tk.FREQ, tk.total


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """Cache folders of this test only: (set-up folder, temporary folder)."""
    setup, temp = tmp_path / "share", tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(segment, "cache_folders", lambda: [setup, temp])
    return setup, temp


def test_built_cached_and_read_back_unchanged(folders, jieba_own):
    setup, temp = folders
    freq, total = segment.prefix_dictionary()  # none cached: jieba builds it, and it is cached
    assert (freq, total) == jieba_own
    cached = temp / segment.cache_name()
    assert cached.is_file() and not (setup / segment.cache_name()).exists()
    assert segment.prefix_dictionary() == jieba_own  # read from the cache
    assert marshal.loads(cached.read_bytes()) == jieba_own


def test_setup_cache_comes_first(folders, jieba_own):
    setup, temp = folders
    path = segment.build_cache()
    assert path == setup / segment.cache_name() and oct(path.stat().st_mode & 0o777) == "0o644"
    # a sound file in the temporary folder is not looked at: the set-up one is found first
    (temp / segment.cache_name()).write_bytes(marshal.dumps(({"x": 1} | {str(i): 1 for i in range(200_000)}, 7)))
    os.chmod(temp / segment.cache_name(), 0o600)
    assert segment.prefix_dictionary() == jieba_own


@pytest.mark.parametrize("content", [b"", b"not marshal", marshal.dumps(([1, 2], 3)), marshal.dumps(({"a": 1}, 1))])
def test_damaged_or_foreign_caches_are_ignored(folders, jieba_own, content):
    _setup, temp = folders
    path = temp / segment.cache_name()
    path.write_bytes(content)
    os.chmod(path, 0o600)
    assert segment.prefix_dictionary() == jieba_own
    assert marshal.loads(path.read_bytes()) == jieba_own  # replaced by a sound one


def test_a_cache_others_may_write_is_not_read(folders, jieba_own):
    _setup, temp = folders
    path = temp / segment.cache_name()
    planted = ({str(i): 1 for i in range(200_000)}, 5)
    path.write_bytes(marshal.dumps(planted))
    os.chmod(path, 0o666)
    assert segment.prefix_dictionary() == jieba_own


def test_the_tokenizer_cuts_as_jieba_with_the_lexicon(jieba_own):
    tk = segment.tokenizer()
    ref = jieba.Tokenizer()
    ref.FREQ, ref.total = dict(jieba_own[0]), jieba_own[1]
    ref.initialized = True
    ref.load_userdict(io.StringIO(segment.user_dictionary()))
    assert tk.FREQ == ref.FREQ and tk.total == ref.total
    for text in ("借款利率与宣传不符，希望尽快处理", "催收电话频繁影响正常生活，暴力催收", "自动扣款失败后产生罚息"):
        assert tk.lcut(text, HMM=False) == ref.lcut(text, HMM=False)
