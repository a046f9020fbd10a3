"""How close in meaning an article is to an audience: optional, and only ever a factor.

Keywords decide which articles are candidates; words alone cannot tell "robots" on a factory
floor from robots at a gala, nor a podcast on media strategy from one on learning to code. A
meaning vector can: WordLlama's static token embeddings (256 dimensions, MIT, weights inside
its wheel, so nothing is downloaded), averaged over an article's headline and first words and
compared by cosine with the audience's name, description and keywords. A vector is the mean of
token vectors, so it costs a tokenisation and a sum: cheap enough to compute when an article is
stored, and stored (float16, 512 bytes) so that ranking only reads it.

Vectors are stored whenever the ``wordllama`` package (the ``semantic`` extra) is installed;
whether suggestions weigh them is a switch (``configure``, which the app calls with its
PLANNER_SEMANTIC setting), so switching it off and on again loses nothing. Without the
package every vector is None and ranking is lexical only. numpy comes with that extra, so it is
imported only once the model loads.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# The headline and this many words of the summary make an article's vector: enough to say what
# it is about, before bylines and asides blur it (on the judged sets, 30 words ranked better
# than 0, 80 or 200).
ARTICLE_WORDS = 30
DIMENSIONS = 256
_ranking_by_meaning = True

log = logging.getLogger(__name__)


def configure(rank_by_meaning: bool) -> None:
    """Whether suggestions weigh meaning (when the model is installed); vectors are stored
    either way."""
    global _ranking_by_meaning
    _ranking_by_meaning = rank_by_meaning


def installed() -> bool:
    return _load() is not None


def ranks_by_meaning() -> bool:
    return _ranking_by_meaning and installed()


@functools.cache
def _load() -> tuple[Any, Any] | None:
    """WordLlama's tokenizer and token-vector matrix, from the files in its wheel, once per
    process; None when the package is missing or its files unreadable.
    The package is found, not imported: its own imports (pydantic, requests) are not needed."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    try:
        from safetensors import safe_open
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(
            str(root / "tokenizers" / "l2_supercat_tokenizer_config.json")
        )
        weights = root / "weights" / f"l2_supercat_{DIMENSIONS}.safetensors"
        with safe_open(str(weights), framework="np") as tensors:
            matrix = tensors.get_tensor("embedding.weight")  # float16, summed in float32
    except Exception:  # a broken install must not stop refreshes or listings
        log.exception("WordLlama is installed but cannot be loaded: ranking by words only")
        return None
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer, matrix


def preload() -> None:
    """Load the model now rather than on first use: a server worker does so before its first
    request, which would otherwise wait for it (longer with every worker loading at once)."""
    _load()


def article_text(title: str, summary_text: str) -> str:
    return f"{title}. {' '.join(summary_text.split()[:ARTICLE_WORDS])}"


def audience_text(name: str, description: str | None, keywords: Sequence[str]) -> str:
    return f"{name}. {description or ''} Keywords: {', '.join(keywords)}"


def embed(texts: Sequence[str]) -> list[bytes | None]:
    """Each text's unit meaning vector as stored (float16 bytes); None for every text when the
    model is not installed, and for a text without a single token."""
    model = _load()
    if model is None:
        return [None] * len(texts)
    import numpy as np

    tokenizer, matrix = model
    vectors: list[bytes | None] = []
    for encoding in tokenizer.encode_batch(list(texts), add_special_tokens=False):
        if not encoding.ids:
            vectors.append(None)
            continue
        mean = matrix[encoding.ids].mean(axis=0, dtype=np.float32)
        norm = float(np.linalg.norm(mean))
        vectors.append((mean / norm).astype(np.float16).tobytes() if norm else None)
    return vectors


def closeness(query: bytes, vectors: Sequence[bytes]) -> list[float]:
    """The cosine of each stored vector with ``query`` (all unit vectors, as ``embed`` made
    them)."""
    import numpy as np

    if not vectors:
        return []
    stacked = np.frombuffer(b"".join(vectors), dtype=np.float16).reshape(len(vectors), -1)
    return (
        stacked.astype(np.float32) @ np.frombuffer(query, np.float16).astype(np.float32)
    ).tolist()
