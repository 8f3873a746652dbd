"""Text features: word and character n-gram TF-IDF side by side with WordLlama sentence embeddings."""

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from apps.integrations.embeddings import get_embeddings


class TextFeatures:
    """Fits TF-IDF vocabularies on training texts and turns texts into one sparse row per text.

    The row is ``[word 1–2-gram TF-IDF | char 2–5-gram TF-IDF | embedding_weight × embedding]``; each block is
    L2-normalised, so the weights say how much each signal counts. Embeddings come from ``get_embeddings()``
    (the configured provider; its ``model_name`` is remembered and checked when a saved model is loaded).
    """

    def __init__(self, *, embedding_weight: float = 1.5, char_range: tuple[int, int] = (2, 5)):
        self.embedding_weight = embedding_weight
        self.word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)
        self.char = TfidfVectorizer(
            analyzer="char", ngram_range=char_range, sublinear_tf=True, min_df=2, dtype=np.float32
        )
        self.embeddings_model = ""

    def fit(self, texts: list[str]) -> "TextFeatures":
        texts = [_clean(t) for t in texts]
        self.word.fit(texts)
        self.char.fit(texts)
        self.embeddings_model = get_embeddings().model_name
        return self

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        texts = [_clean(t) for t in texts]
        provider = get_embeddings()
        if provider.model_name != self.embeddings_model:
            from apps.core.errors import ProviderError

            raise ProviderError(
                f"classifier was trained with embeddings {self.embeddings_model!r} but the configured provider is "
                f"{provider.model_name!r}: retrain it (python manage.py train_classifier)"
            )
        vectors = provider.embed(texts) * np.float32(self.embedding_weight)
        return sparse.hstack(
            [self.word.transform(texts), self.char.transform(texts), sparse.csr_matrix(vectors)], format="csr"
        )


def _clean(text: str) -> str:
    return " ".join((text or "").split()).lower()
