"""A Salesforce REST stand-in (``/services/data/vXX.X/query``) over records shaped like the e-bikes sample org
(``../shared/data/crm_salesforce_ebikes``, read at run time). It understands the SOQL the CRM client sends:
``FROM <object>`` with ``Id = '…'``, ``Name = '…'``, ``AccountId = '…'`` and ``Website LIKE '%…%'`` conditions
and ``LIMIT``. Serve it with TLS (simple-salesforce forces https)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .server import Reply, Request

SESSION = "00Dstandin!session"


def ebikes_records(shared_data: Path, name: str) -> list[dict]:
    """Records of one e-bikes sample file (``Accounts``, ``Cases`` …)."""
    return json.loads((shared_data / "crm_salesforce_ebikes" / f"{name}.json").read_text())["records"]


class SalesforceOrg:
    def __init__(self, session_id: str = SESSION):
        self.session_id = session_id
        self.records: dict[str, list[dict]] = {}
        self.queries: list[str] = []

    def add(self, sobject: str, **fields) -> dict:
        row = {
            "attributes": {"type": sobject, "url": f"/services/data/v59.0/sobjects/{sobject}/{fields.get('Id')}"},
            **fields,
        }
        self.records.setdefault(sobject, []).append(row)
        return row

    def _run(self, soql: str) -> list[dict]:
        sobject = re.search(r"\bFROM\s+(\w+)", soql, re.I).group(1)
        rows = list(self.records.get(sobject, []))
        for field, value in re.findall(r"\b(\w+)\s*=\s*'((?:[^'\\]|\\.)*)'", soql):
            rows = [r for r in rows if str(r.get(field)) == value.replace("\\'", "'")]
        for field, value in re.findall(r"\b(\w+)\s+LIKE\s+'%((?:[^'\\]|\\.)*)%'", soql, re.I):
            rows = [r for r in rows if value.lower() in str(r.get(field) or "").lower()]
        limit = re.search(r"\bLIMIT\s+(\d+)", soql, re.I)
        return rows[: int(limit.group(1))] if limit else rows

    def routes(self) -> dict:
        def query(req: Request):
            if req.headers.get("authorization") != f"Bearer {self.session_id}":
                return Reply(401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
            soql = req.query["q"][0]
            self.queries.append(soql)
            rows = self._run(soql)
            return {"totalSize": len(rows), "done": True, "records": rows}

        return {("GET", r"/services/data/v[\d.]+/query/?"): query}
