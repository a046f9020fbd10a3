"""How close in meaning an article is to an audience: optional, and only ever a factor.

Keywords decide which articles are candidates; words alone cannot tell "robots" on a factory
floor from robots at a gala, nor a podcast on media strategy from one on learning to code. A
meaning vector can: WordLlama's static token embeddings (256 dimensions, MIT, weights inside
its wheel, so nothing is downloaded), averaged over an article's headline and first words and
compared by cosine with the audience's name, description and keywords. A vector is the mean of
token vectors, so it costs a tokenisation and a sum: cheap enough to compute when an article is
stored, and stored (float16, 512 bytes) so that ranking only reads it.

Without the ``wordllama`` package (the ``semantic`` extra), or switched off (``configure``,
which the app calls with its PLANNER_SEMANTIC setting), every vector is None and ranking is
lexical only. numpy comes with that extra, so it is imported only once the model has loaded.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# The headline and this many words of the summary make an article's vector: enough to say what
# it is about, before bylines and asides blur it (on the judged sets, 30 words ranked better
# than 0, 80 or 200).
ARTICLE_WORDS = 30
DIMENSIONS = 256
_enabled = True


def configure(enabled: bool) -> None:
    """Use the model when it is installed (the default), or rank by words only."""
    global _enabled
    _enabled = enabled


def _model() -> tuple[Any, Any] | None:
    """WordLlama's tokenizer and token-vector matrix; None when switched off or missing."""
    return _load() if _enabled else None


@functools.cache
def _load() -> tuple[Any, Any] | None:
    """The files in WordLlama's wheel, loaded once per process (about 0.1 s, 33 MB)."""
    try:
        import numpy as np
        import wordllama
        from safetensors import safe_open
        from tokenizers import Tokenizer
    except ImportError:
        return None
    root = Path(wordllama.__file__).parent
    tokenizer = Tokenizer.from_file(str(root / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    weights = root / "weights" / f"l2_supercat_{DIMENSIONS}.safetensors"
    with safe_open(str(weights), framework="np") as tensors:
        matrix = np.ascontiguousarray(tensors.get_tensor("embedding.weight"), dtype=np.float32)
    return tokenizer, matrix


def available() -> bool:
    return _model() is not None


def article_text(title: str, summary_text: str) -> str:
    return f"{title}. {' '.join(summary_text.split()[:ARTICLE_WORDS])}"


def audience_text(name: str, description: str | None, keywords: Sequence[str]) -> str:
    return f"{name}. {description or ''} Keywords: {', '.join(keywords)}"


def embed(texts: Sequence[str]) -> list[bytes | None]:
    """Each text's unit meaning vector as stored (float16 bytes); None for every text when the
    model is unavailable, and for a text without a single token."""
    model = _model()
    if model is None:
        return [None] * len(texts)
    import numpy as np

    tokenizer, matrix = model
    vectors: list[bytes | None] = []
    for encoding in tokenizer.encode_batch(list(texts), add_special_tokens=False):
        if not encoding.ids:
            vectors.append(None)
            continue
        mean = matrix[encoding.ids].mean(axis=0)
        norm = float(np.linalg.norm(mean))
        vectors.append((mean / norm).astype(np.float16).tobytes() if norm else None)
    return vectors


def closeness(query: bytes | None, vectors: Sequence[bytes | None]) -> list[float | None]:
    """The cosine of each stored vector with ``query`` (both unit vectors); None where either
    is missing."""
    if query is None:  # the model is off or missing
        return [None] * len(vectors)
    import numpy as np

    present = [i for i, v in enumerate(vectors) if v is not None and len(v) == 2 * DIMENSIONS]
    found: list[float | None] = [None] * len(vectors)
    if present:
        stacked = np.frombuffer(b"".join(vectors[i] for i in present), dtype=np.float16)
        cosines = stacked.reshape(len(present), DIMENSIONS).astype(np.float32) @ np.frombuffer(
            query, dtype=np.float16
        ).astype(np.float32)
        for i, cosine in zip(present, cosines.tolist(), strict=True):
            found[i] = cosine
    return found
