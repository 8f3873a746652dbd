from abc import ABC, abstractmethod

import numpy as np


class EmbeddingsProvider(ABC):
    """Turns texts into L2-normalised float32 vectors of ``dimensions`` floats (cosine = dot product)."""

    model_name: str = ""
    dimensions: int = 0

    @abstractmethod
    def embed(self, texts: list[str]) -> np.ndarray:
        """Return an ``(len(texts), dimensions)`` float32 array, rows normalised to unit length.

        Raises ``apps.core.errors.ProviderError`` when the provider fails.
        """
