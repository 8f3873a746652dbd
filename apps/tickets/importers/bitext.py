"""The Bitext customer-support set (``bitext_customer_support_train.csv``): chat-bot style requests.

``instruction`` → body, ``intent`` (27 values such as ``cancel_order``) → the labelled category
(slug ``cancel-order``), ``response`` → the agent answer, ``category`` (11 coarse groups such as ``ORDER``)
→ ``metadata.bitext_category``, ``tags`` (Bitext's linguistic-variation flags) → ``metadata.bitext_flags``,
entity columns kept in metadata. ``context`` and ``role`` are the same on every row and are dropped.
"""

from .csv_reader import CsvReader


class BitextReader(CsvReader):
    format_name = "bitext"
    preset = {"body": "instruction", "category": "intent", "answer": "response"}
    defaults = {"channel": "chat"}
    extra_names = {"category": "bitext_category", "tags": "bitext_flags"}
    extra_skip = frozenset({"context", "role"})
