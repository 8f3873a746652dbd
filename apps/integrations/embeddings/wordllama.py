"""The offline default: WordLlama ``l2_supercat`` (256 dimensions), weights shipped in the wheel.

``WordLlama.load()`` looks for its tokenizer in ``wordllama/tokenizer/`` while the wheel ships it in
``wordllama/tokenizers/``; we copy the packaged file into a cache folder and load with downloads disabled,
so nothing reaches for the internet.
"""

import shutil
import threading
from pathlib import Path

import numpy as np
from django.conf import settings

from .base import EmbeddingsProvider

_lock = threading.Lock()


class WordLlamaEmbeddings(EmbeddingsProvider):
    model_name = "wordllama-l2_supercat-256"
    dimensions = 256

    def __init__(self, cache_dir: Path | None = None):
        self._cache_dir = Path(cache_dir or settings.VAR_DIR / "wordllama")
        self._model = None

    def _load(self):
        with _lock:
            if self._model is None:
                import wordllama
                from wordllama import WordLlama

                package = Path(wordllama.__file__).parent
                tokenizers = self._cache_dir / "tokenizers"
                tokenizers.mkdir(parents=True, exist_ok=True)
                for shipped in (package / "tokenizers").glob("*.json"):
                    target = tokenizers / shipped.name
                    if not target.exists():
                        shutil.copyfile(shipped, target)
                self._model = WordLlama.load(cache_dir=self._cache_dir, disable_download=True)
        return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        vectors = np.asarray(self._load().embed([t or "" for t in texts], norm=False), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        # Empty or all-unknown text embeds to zeros; keep it a zero vector instead of NaN.
        return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
