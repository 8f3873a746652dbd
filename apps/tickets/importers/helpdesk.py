"""The multilingual helpdesk tickets (``tickets_en_de.csv``, English and German email tickets).

``subject``, ``body``, ``answer`` (→ agent message), ``priority`` (low / medium → normal / high),
``language``, ``tag_1``..``tag_8`` → tags. The labelled category is ``queue``: ten departments (Technical
Support, Billing and Payments, Returns and Exchanges…) that say *who handles* a ticket, which is what triage
routes on. ``type`` (Incident / Request / Problem / Change) has only four values that cut across every topic,
so it is kept as ``metadata.type`` (with ``version``), not used as the category.
"""

from .csv_reader import CsvReader


class HelpdeskTicketsReader(CsvReader):
    format_name = "helpdesk-tickets"
    preset = {
        "subject": "subject",
        "body": "body",
        "answer": "answer",
        "category": "queue",
        "priority": "priority",
        "language": "language",
        "tags": [f"tag_{i}" for i in range(1, 9)],
    }
    defaults = {"channel": "email"}
