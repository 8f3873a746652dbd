"""Text features: word and character n-gram TF-IDF, WordLlama sentence embeddings, and nearest-neighbour
similarity to each category's training examples."""

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from apps.core.errors import ProviderError
from apps.integrations.embeddings import get_embeddings

from .ngrams import CharNgramCounts

CHUNK = 2048  # rows per similarity block: bounds memory at CHUNK × n_train floats


class TextFeatures:
    """Fits on training texts and labels, then turns texts into one sparse row per text.

    The row is ``[word 1–2-gram TF-IDF | char 2–5-gram TF-IDF | embedding_weight × embedding |
    neighbour_weight × neighbour similarities]``. The last block holds, per label, the mean cosine similarity of the
    text's embedding to that label's ``neighbours`` most similar training examples. Embeddings come from
    ``get_embeddings()``; its ``model_name`` is remembered and checked when a saved model is used.
    """

    def __init__(
        self,
        *,
        embedding_weight: float = 1.5,
        neighbour_weight: float = 1.0,
        neighbours: int = 3,
        char_range: tuple[int, int] = (2, 5),
    ):
        self.embedding_weight = embedding_weight
        self.neighbour_weight = neighbour_weight
        self.neighbours = neighbours
        self.word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)
        self.char = TfidfVectorizer(
            analyzer="char", ngram_range=char_range, sublinear_tf=True, min_df=2, dtype=np.float32
        )
        self.embeddings_model = ""
        self._train_vectors = np.zeros((0, 0), dtype=np.float32)
        self._blocks: list[tuple[int, int]] = []
        self._fit_matrix: sparse.csr_matrix | None = None

    def fit(self, texts: list[str], labels: np.ndarray) -> "TextFeatures":
        """Learn vocabularies, embed the texts and remember them grouped by label (``labels``: one per text)."""
        texts = [_clean(t) for t in texts]
        labels = np.asarray(labels, dtype=object)
        self.__dict__.pop("_char_counts", None)  # built for the previous vocabulary
        self.word.fit(texts)
        self.char.fit(texts)
        self.embeddings_model = get_embeddings().model_name
        vectors = get_embeddings().embed(texts)
        # Sort training rows by label so each label's neighbours are one contiguous block of columns.
        order = np.argsort(labels, kind="stable")
        self._train_vectors = np.ascontiguousarray(vectors[order])
        sorted_labels = labels[order]
        starts = np.r_[0, np.flatnonzero(sorted_labels[1:] != sorted_labels[:-1]) + 1, len(labels)]
        self._blocks = list(zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True))
        self.labels = [str(sorted_labels[a]) for a, _ in self._blocks]
        # The training rows' own features, neighbours found among the *other* training rows (leave-one-out).
        position = np.empty(len(order), dtype=int)
        position[order] = np.arange(len(order))
        self._fit_matrix = self._assemble(texts, vectors, exclude=position)
        return self

    def training_matrix(self) -> sparse.csr_matrix:
        """Features of the texts given to ``fit``, in their order (each one's neighbours exclude itself)."""
        if self._fit_matrix is None:
            raise RuntimeError("fit() first")
        return self._fit_matrix

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """Features of new texts. Raises ``ProviderError`` when the configured embeddings model changed."""
        texts = [_clean(t) for t in texts]
        provider = get_embeddings()
        if provider.model_name != self.embeddings_model:
            raise ProviderError(
                f"classifier was trained with embeddings {self.embeddings_model!r} but the configured provider is "
                f"{provider.model_name!r}: retrain it (python manage.py train_classifier)"
            )
        return self._assemble(texts, provider.embed(texts), exclude=None)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_fit_matrix"] = None  # rebuilt only when training; not worth saving
        state.pop("_char_counts", None)  # rebuilt from the vocabulary on first use
        return state

    def _char_transform(self, texts: list[str]) -> sparse.csr_matrix:
        """``self.char.transform(texts)``, computed with numpy (``ngrams.CharNgramCounts``; same values)."""
        counter = self.__dict__.get("_char_counts")
        if counter is None or counter.vectorizer is not self.char:
            counter = self._char_counts = CharNgramCounts(self.char)
        return counter.transform(texts)

    def _assemble(self, texts: list[str], vectors: np.ndarray, exclude: np.ndarray | None) -> sparse.csr_matrix:
        blocks = [
            self.word.transform(texts),
            self._char_transform(texts),
            sparse.csr_matrix(vectors * np.float32(self.embedding_weight)),
        ]
        if self.neighbour_weight:
            near = self._neighbour_similarity(vectors, exclude) * np.float32(self.neighbour_weight)
            blocks.append(sparse.csr_matrix(near))
        return sparse.hstack(blocks, format="csr")

    def _neighbour_similarity(self, vectors: np.ndarray, exclude: np.ndarray | None) -> np.ndarray:
        """(n, n_labels): mean cosine of the ``neighbours`` nearest training examples of each label.

        ``exclude[i]`` is the training row (in label-sorted order) that text ``i`` itself is, if any.
        """
        out = np.zeros((len(vectors), len(self._blocks)), dtype=np.float32)
        for lo in range(0, len(vectors), CHUNK):
            sims = vectors[lo : lo + CHUNK] @ self._train_vectors.T
            if exclude is not None:
                sims[np.arange(len(sims)), exclude[lo : lo + CHUNK]] = -np.inf
            for j, (a, b) in enumerate(self._blocks):
                block = sims[:, a:b]
                k = min(self.neighbours, b - a)
                top = -np.partition(-block, k - 1, axis=1)[:, :k] if k < b - a else block
                finite = np.isfinite(top)
                count = finite.sum(axis=1)
                out[lo : lo + CHUNK, j] = np.where(finite, top, 0.0).sum(axis=1) / np.maximum(count, 1)
        return out


def _clean(text: str) -> str:
    return " ".join((text or "").split()).lower()
