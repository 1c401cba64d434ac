"""Tokenizers saved inside checkpoints: characters (Shakespeare) or space-separated words (Match3 residues).

Prompts are checked here once for every caller: empty or unknown characters raise PromptError naming them, and a
prompt longer than the block size keeps its last `block_size` tokens and says how many it dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from hoviz.errors import CheckpointError, PromptError


class CharTokenizer:
    """One token per character of `vocab`.

    >>> CharTokenizer("ab ").encode("ab a")
    [0, 1, 2, 0]
    """

    kind = "char"

    def __init__(self, vocab: str) -> None:
        if len(set(vocab)) != len(vocab):
            raise ValueError("vocabulary characters must be distinct")
        self.vocab = vocab
        self._ids = {c: i for i, c in enumerate(vocab)}

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        return cls("".join(sorted(set(text))))

    def __len__(self) -> int:
        return len(self.vocab)

    def unknown(self, text: str) -> list[str]:
        return sorted({c for c in text if c not in self._ids})

    def encode(self, text: str) -> list[int]:
        bad = self.unknown(text)
        if bad:
            raise PromptError(f"characters not in the model's vocabulary: {bad!r}; remove or replace them")
        return [self._ids[c] for c in text]

    def decode(self, ids) -> str:
        return "".join(self.vocab[i] for i in ids)

    def tokens(self, ids) -> list[str]:
        """Display labels, one per id."""
        return [self.vocab[i] for i in ids]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "vocab": self.vocab}


class WordTokenizer:
    """One token per space-separated word of a fixed vocabulary (e.g. the residues "0".."36" and two labels).

    >>> WordTokenizer(["0", "1", "no", "yes"]).encode("1 0 1")
    [1, 0, 1]
    """

    kind = "word"

    def __init__(self, vocab: list[str]) -> None:
        self.vocab = list(vocab)
        self._ids = {w: i for i, w in enumerate(self.vocab)}

    def __len__(self) -> int:
        return len(self.vocab)

    def unknown(self, text: str) -> list[str]:
        return sorted({w for w in text.split() if w not in self._ids})

    def encode(self, text: str) -> list[int]:
        bad = self.unknown(text)
        if bad:
            raise PromptError(f"tokens not in the model's vocabulary: {bad!r}; use space-separated tokens from "
                              f"{self.vocab[:5]}...{self.vocab[-3:]}")
        return [self._ids[w] for w in text.split()]

    def decode(self, ids) -> str:
        return " ".join(self.vocab[i] for i in ids)

    def tokens(self, ids) -> list[str]:
        return [self.vocab[i] for i in ids]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "vocab": self.vocab}


def tokenizer_from_dict(d: dict):
    kinds = {"char": CharTokenizer, "word": WordTokenizer}
    if not isinstance(d, dict) or d.get("kind") not in kinds or "vocab" not in d:
        raise CheckpointError(f"the sidecar's tokenizer entry {str(d)[:80]!r} is not a known tokenizer "
                              f"(expected kind in {sorted(kinds)} and a vocab)")
    return kinds[d["kind"]](d["vocab"])


@dataclass
class EncodedPrompt:
    ids: list[int]  # what the model sees, at most block_size tokens
    dropped: int  # tokens cut from the front to fit the block size (0 when it fit)


def encode_prompt(tokenizer, text: str, block_size: int) -> EncodedPrompt:
    """Encode a prompt for a model: PromptError when empty or unknown; keeps the last block_size tokens."""
    if text is None or not str(text).strip():
        raise PromptError("the prompt is empty: type some text for the model to read")
    ids = tokenizer.encode(text)
    dropped = max(0, len(ids) - block_size)
    return EncodedPrompt(ids=ids[dropped:], dropped=dropped)
