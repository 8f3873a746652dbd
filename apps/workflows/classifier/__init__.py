"""The calibrated ticket classifier: word + char n-gram TF-IDF, WordLlama embeddings and nearest-neighbour
similarity per category, a linear SVM, temperature scaling and an out-of-scope threshold fitted on held-out scores.

clf = get_active_classifier()               # None until a version is trained
clf.predict(["text", ...])                  # list[Prediction]
classifier_train(texts=[...], labels=[...], oos_texts=None)   # in-memory model
classifier_train_from_history(min_per_category=5)             # saved, recorded, activated ClassifierVersion
"""

from .model import TicketClassifier, classifier_train
from .selectors import classifier_version_active, get_active_classifier
from .services import classifier_train_from_history, classifier_version_activate
from .types import OOS_LABEL, Prediction

__all__ = [
    "OOS_LABEL",
    "Prediction",
    "TicketClassifier",
    "classifier_train",
    "classifier_train_from_history",
    "classifier_version_activate",
    "classifier_version_active",
    "get_active_classifier",
]
