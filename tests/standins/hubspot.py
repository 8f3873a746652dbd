"""A HubSpot CRM stand-in: companies (get, list with paging, search by property EQ), owners and notes search,
answering in the v3 API's shapes (objects carry ``createdAt`` / ``updatedAt``, which the SDK requires)."""

from __future__ import annotations

from .server import Reply, Request

STAMP = "2025-01-15T10:00:00.000Z"
TOKEN = "pat-na1-standin-0000"


class HubSpotPortal:
    def __init__(self, token: str = TOKEN):
        self.token = token
        self.companies: list[dict] = []
        self.owners: dict[str, dict] = {}
        self.notes: list[dict] = []  # {"company": id, "properties": {...}}

    def company(self, id: str, **properties) -> dict:
        row = {"id": id, "properties": properties, "createdAt": STAMP, "updatedAt": STAMP, "archived": False}
        self.companies.append(row)
        return row

    def owner(self, id: str, first: str, last: str, email: str) -> None:
        self.owners[id] = {
            "id": id,
            "email": email,
            "firstName": first,
            "lastName": last,
            "userId": int(id),
            "createdAt": STAMP,
            "updatedAt": STAMP,
            "archived": False,
            "teams": [],
        }

    def note(self, company: str, when: str, body: str) -> None:
        self.notes.append({"company": company, "properties": {"hs_timestamp": when, "hs_note_body": body}})

    def routes(self) -> dict:
        def auth(fn):
            def handler(req: Request):
                if req.headers.get("authorization") != f"Bearer {self.token}":
                    return Reply(
                        401,
                        {
                            "status": "error",
                            "message": "Authentication credentials not found.",
                            "category": "INVALID_AUTHENTICATION",
                        },
                    )
                return fn(req)

            return handler

        def search(req: Request):
            body = req.json or {}
            filters = [f for g in body.get("filterGroups") or [] for f in g.get("filters") or []]
            found = [
                c
                for c in self.companies
                if all(
                    str(c["properties"].get(f["propertyName"], "")).lower() == str(f["value"]).lower() for f in filters
                )
            ]
            limit = body.get("limit") or 10
            return {"total": len(found), "results": found[:limit]}

        def get(req: Request):
            found = next((c for c in self.companies if c["id"] == req.params["id"]), None)
            return found or Reply(
                404, {"status": "error", "message": "resource not found", "category": "OBJECT_NOT_FOUND"}
            )

        def page(req: Request):
            after = int((req.query.get("after") or ["0"])[0])
            limit = int((req.query.get("limit") or ["10"])[0])
            rows = self.companies[after : after + limit]
            nxt = after + limit
            paging = {"next": {"after": str(nxt), "link": f"?after={nxt}"}} if nxt < len(self.companies) else None
            return {"results": rows, **({"paging": paging} if paging else {})}

        def owner(req: Request):
            found = self.owners.get(req.params["id"])
            return found or Reply(
                404, {"status": "error", "message": "owner not found", "category": "OBJECT_NOT_FOUND"}
            )

        def notes(req: Request):
            body = req.json or {}
            company = next(
                f["value"]
                for g in body["filterGroups"]
                for f in g["filters"]
                if f["propertyName"] == "associations.company"
            )
            rows = sorted(
                (n for n in self.notes if n["company"] == company),
                key=lambda n: n["properties"]["hs_timestamp"],
                reverse=True,
            )[: body.get("limit") or 10]
            results = [
                {
                    "id": str(i + 1),
                    "properties": n["properties"],
                    "createdAt": STAMP,
                    "updatedAt": STAMP,
                    "archived": False,
                }
                for i, n in enumerate(rows)
            ]
            return {"total": len(results), "results": results}

        return {
            ("POST", r"/crm/v3/objects/companies/search"): auth(search),
            ("GET", r"/crm/v3/objects/companies/(?P<id>\d+)"): auth(get),
            ("GET", r"/crm/v3/objects/companies"): auth(page),
            ("GET", r"/crm/v3/owners/(?P<id>\d+)"): auth(owner),
            ("POST", r"/crm/v3/objects/notes/search"): auth(notes),
        }
