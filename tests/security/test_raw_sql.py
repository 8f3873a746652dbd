"""No raw SQL built from input: every SQL string handed to ``cursor.execute`` / ``executemany`` / ``copy``,
``Manager.raw``, ``QuerySet.extra`` or ``RawSQL`` in apps/ is a constant, or interpolates only table names from
model metadata (``Model._meta.db_table``), module constants (UPPER_CASE), quoted identifiers, and local names
built from those, followed through assignments in the same function. Values travel as query parameters.

A place that interpolates anything else fails here until it is reviewed and listed in ``REVIEWED`` with the reason
it cannot carry input. ``%`` formatting of SQL always fails."""

from __future__ import annotations

import ast
from pathlib import Path

APPS = Path(__file__).resolve().parents[2] / "apps"
SQL_CALLS = {"execute", "executemany", "copy", "raw", "extra", "RawSQL"}
# (file relative to apps/, local name) -> why it cannot carry input
REVIEWED: dict[tuple[str, str], str] = {
    ("knowledge/retrieval.py", "where"): "clauses on fixed columns chosen by filter name; values are %s parameters",
    ("knowledge/retrieval.py", "condition"): "the same fixed clauses, prefixed with WHERE/AND",
    ("tickets/services/import_sql.py", "columns"): "column names of the model's own fields",
    ("tickets/services/import_sql.py", "expressions"): "SQL expressions from a fixed per-column table",
    ("tickets/services/import_sql.py", "tail"): "fixed ON CONFLICT / RETURNING clauses chosen by the caller",
    ("tickets/services/import_sql.py", "sql"): "COPY statement of a fixed staging table",
    ("tickets/services/import_sql.py", "columns_sql"): "column names of the model's own fields (_insert_parts)",
    ("analytics/audit.py", "_tables"): "table names from model metadata",
    ("analytics/metrics.py", "_figures_query"): "fixed SQL around the filters below; values are %(name)s parameters",
    ("analytics/metrics.py", "_samples_query"): "fixed SQL around the filters; values are parameters",
    ("analytics/metrics.py", "_drafts_query"): "fixed SQL around the filters (_filters: clauses, values as params)",
    ("analytics/metrics.py", "_filters"): "fixed clauses per filter; channel and tier travel as parameters",
    ("analytics/metrics.py", "filters"): "the clauses of _filters (values as parameters)",
    ("analytics/rollup.py", "_refresh_sql"): "fixed SQL built from model metadata and module constants",
    ("analytics/rollup.py", "_activity_sql"): "fixed SQL: model table names, constant columns/statuses",
    ("analytics/selectors.py", "slice_where"): "rollup.slice_where: fixed clause, values as params",
    ("analytics/rollup.py", "keys"): "grouping expressions chosen by the module's callers from fixed lists",
    ("analytics/rollup.py", "where"): "fixed conditions from the module's callers; values are parameters",
    ("analytics/rollup.py", "join"): "fixed JOIN clauses from the module's callers",
    ("analytics/metrics.py", "bucket"): "checked against ('day', 'week') just before",
    ("analytics/anomalies.py", "rows_sql"): "one of the module's fixed row queries; values are parameters",
    ("core/embedded_db.py", "database"): "the configured database name (settings), quoted; never request data",
}


def _sql_calls(tree: ast.Module):
    """(innermost enclosing function or the module, call) for each SQL call."""
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            copy_module = name == "copy" and getattr(getattr(node.func, "value", None), "id", "") == "copy"
            if name in SQL_CALLS and not copy_module:  # cursor.copy(...) is COPY; copy.copy(...) is not SQL
                scope = parents.get(node)
                while scope is not None and not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
                    scope = parents.get(scope)
                yield scope or tree, node


def _assignments(func: ast.AST, name: str) -> list[ast.expr]:
    values = []
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and any(
            isinstance(n, ast.Name) and n.id == name for t in node.targets for n in ast.walk(t)
        ):
            values.append(node.value)  # for ``a, b = f()`` the whole right side must be safe
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and getattr(node.target, "id", None) == name:
            if node.value is not None:
                values.append(node.value)
        elif isinstance(node, ast.For) and name in {t.id for t in ast.walk(node.target) if isinstance(t, ast.Name)}:
            values.append(node.iter)  # loop variables over a constant table
    return values


class Checker:
    def __init__(self, relative: str, func: ast.AST, module: ast.Module):
        self.relative, self.func, self.module = relative, func, module
        self.problems: list[str] = []
        self.seen: set[str] = set()
        self.comprehension_names: set[str] = set()

    def safe(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.JoinedStr):
            return all(self.safe(v.value) for v in node.values if isinstance(v, ast.FormattedValue))
        if isinstance(node, ast.Attribute):
            return node.attr in ("db_table", "model_name") or node.attr.isupper()
        if isinstance(node, ast.Name):
            return self.safe_name(node.id)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Mod):
                self.problems.append("% formatting of SQL")
                return False
            return isinstance(node.op, ast.Add) and self.safe(node.left) and self.safe(node.right)
        if isinstance(node, ast.Call):
            func = node.func
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if isinstance(func, ast.Attribute) and func.attr == "format":  # of a constant, with safe values only
                return self.safe(func.value) and all(self.safe(a) for a in arguments)
            if isinstance(func, ast.Name) and (self.relative, func.id) in REVIEWED:
                return True
            if isinstance(func, ast.Name) and func.id in ("enumerate", "range", "len", "sorted", "zip", "int"):
                return all(self.safe(a) for a in arguments)
            if isinstance(func, ast.Attribute) and func.attr in ("join", "quote_name", "strip", "replace"):
                return self.safe(func.value) and all(self.safe(a) for a in node.args)
            return False
        if isinstance(node, ast.GeneratorExp | ast.ListComp):
            for comp in node.generators:
                if not self.safe(comp.iter):
                    return False
                self.comprehension_names |= {n.id for n in ast.walk(comp.target) if isinstance(n, ast.Name)}
            return self.safe(node.elt)
        if isinstance(node, ast.IfExp):
            return self.safe(node.body) and self.safe(node.orelse)
        if isinstance(node, ast.Tuple | ast.List):
            return all(self.safe(e) for e in node.elts)
        return False

    def safe_name(self, name: str) -> bool:
        if name.lstrip("_").isupper() or name in self.comprehension_names:
            return True
        if (self.relative, name) in REVIEWED:
            return True
        if name in self.seen:
            return True
        self.seen.add(name)
        values = _assignments(self.func, name) or _assignments(self.module, name)
        return bool(values) and all(self.safe(v) for v in values)


def test_no_sql_is_built_from_input():
    unsafe = []
    checked = 0
    for path in sorted(APPS.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = ast.parse(path.read_text(encoding="utf-8"))
        relative = path.relative_to(APPS).as_posix()
        for func, call in _sql_calls(module):
            checked += 1
            checker = Checker(relative, func, module)
            if not checker.safe(call.args[0]) or checker.problems:
                unsafe.append(f"apps/{relative}:{call.lineno}: {ast.unparse(call.args[0])[:100]} {checker.problems}")
    assert checked > 10  # the scan sees the project's raw SQL
    assert unsafe == []


def test_the_scan_catches_interpolated_input():
    source = (
        "def view(request, cursor):\n"
        "    name = request.GET['q']\n"
        "    cursor.execute(f\"SELECT * FROM t WHERE name = '{name}'\")\n"
        "    cursor.execute('SELECT * FROM t WHERE id = %s' % request.GET['id'])\n"
        "    cursor.execute('SELECT {}'.format(name))\n"
        "    table = Model._meta.db_table\n"
        "    cursor.execute(f'SELECT * FROM {table} WHERE id = %s', [name])\n"
    )
    module = ast.parse(source)
    verdicts = [Checker("x.py", f, module).safe(c.args[0]) for f, c in _sql_calls(module) if f is not module]
    assert verdicts == [False, False, False, True]
