"""The vocabulary: token strings to ids, with a frequency cut-off and an unknown token.

Ids 0 and 1 are reserved: ``<eos>`` (the boundary token that ends every sentence
and starts every document) and ``<unk>`` (any token not in the vocabulary).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from surprisal.text import EOS, UNK


class Vocab:
    """A fixed mapping between token strings and integer ids.

    Parameters
    ----------
    tokens : iterable of str
        The tokens in id order, starting with ``<eos>`` and ``<unk>``.
    counts : iterable of int, optional
        Training-corpus count of each token (kept for frequency predictors).
    """

    def __init__(self, tokens: Iterable[str], counts: Iterable[int] | None = None):
        self.itos = list(tokens)
        if self.itos[:2] != [EOS, UNK]:
            raise ValueError(f"a vocabulary starts with {EOS} and {UNK}")
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("the vocabulary holds a token twice")
        self.counts = list(counts) if counts is not None else [0] * len(self.itos)

    eos = 0
    unk = 1

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Ids of tokens; unknown tokens map to ``<unk>``."""
        get = self.stoi.get
        return [get(t, 1) for t in tokens]

    @classmethod
    def build(
        cls, counts: Counter, min_count: int = 1, max_size: int | None = None
    ) -> Vocab:
        """Vocabulary of the most frequent tokens.

        Parameters
        ----------
        counts : Counter
            Token counts from the training text.
        min_count : int
            Tokens seen fewer times become ``<unk>``.
        max_size : int, optional
            Largest vocabulary, the two special tokens included.
        """
        counts = Counter(counts)
        unk_count = counts.pop(UNK, 0)
        counts.pop(EOS, None)
        # Most frequent first; ties broken alphabetically so builds are repeatable.
        kept = sorted(
            (kv for kv in counts.items() if kv[1] >= min_count),
            key=lambda kv: (-kv[1], kv[0]),
        )
        if max_size is not None:
            kept = kept[: max(0, max_size - 2)]
        dropped = sum(counts.values()) - sum(c for _, c in kept)
        return cls(
            [EOS, UNK] + [t for t, _ in kept],
            [0, unk_count + dropped] + [c for _, c in kept],
        )

    def save(self, path: str | Path) -> None:
        """Write ``token<TAB>count`` lines in id order."""
        lines = (f"{t}\t{c}\n" for t, c in zip(self.itos, self.counts, strict=True))
        Path(path).write_text("".join(lines), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Vocab:
        tokens, counts = [], []
        for number, line in enumerate(
            Path(path).read_text(encoding="utf-8").splitlines(), start=1
        ):
            token, sep, count = line.rpartition("\t")
            if not sep or not count.isdigit():
                raise ValueError(
                    f"{path} line {number}: expected 'token<TAB>count', got {line!r}"
                )
            tokens.append(token)
            counts.append(int(count))
        return cls(tokens, counts)
