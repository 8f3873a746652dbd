"""The numpy character n-gram counts give exactly the matrix of scikit-learn's ``TfidfVectorizer.transform``."""

import pickle

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from apps.workflows.classifier.ngrams import CharNgramCounts

TRAIN = [
    "I was charged twice on my card, please refund the second charge",
    "Die Rechnung für März fehlt, bitte schicken Sie sie erneut",
    "the export to excel keeps failing with error E-504",
    "how do I reset my password? the link expired",
    "Straße, Größe, Übergabe: Umlaute und ß im Text",
    "API token rotated, webhook now returns 401",
] * 2
ODD = [
    "",
    "a",
    "ab",
    "Refund PLEASE!!!",
    "emoji 😡 and “curly quotes” it’s here",
    "  lots   of\t\twhite\n\nspace  ",
    "日本語のテキスト with a password",
    "nul\0inside the text",
    "ßß ää öö üü",
]


@pytest.mark.parametrize("char_range", [(2, 5), (1, 3), (3, 3)])
def test_counts_and_tfidf_match_scikit_learn_exactly(char_range):
    vectorizer = TfidfVectorizer(
        analyzer="char", ngram_range=char_range, sublinear_tf=True, min_df=2, dtype=np.float32
    ).fit(TRAIN)
    texts = [*TRAIN, *ODD, " ".join(TRAIN)]
    counter = CharNgramCounts(vectorizer)
    assert counter.exact

    ours, theirs = counter.counts(texts), CountVectorizer.transform(vectorizer, texts)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert (ours != theirs).nnz == 0 and ours.has_sorted_indices
    assert ours[len(TRAIN)].nnz == 0  # the empty text
    assert (counter.transform(texts) != vectorizer.transform(texts)).nnz == 0


def test_vectorizers_it_cannot_reproduce_fall_back_to_scikit_learn():
    words = TfidfVectorizer(ngram_range=(1, 2)).fit(TRAIN)
    counter = CharNgramCounts(words)
    assert not counter.exact
    assert (counter.transform(ODD) != words.transform(ODD)).nnz == 0


def test_a_saved_classifier_rebuilds_the_counter_after_loading():
    from apps.workflows.classifier.features import TextFeatures

    features = TextFeatures.__new__(TextFeatures)
    features.char = TfidfVectorizer(analyzer="char", ngram_range=(2, 4), min_df=2, dtype=np.float32).fit(TRAIN)
    first = features._char_transform(ODD)
    assert "_char_counts" in features.__dict__
    restored = pickle.loads(pickle.dumps(features))
    assert "_char_counts" not in restored.__dict__  # not saved with the model
    assert (restored._char_transform(ODD) != first).nnz == 0
