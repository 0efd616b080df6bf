"""No test reads the wall clock when its module is imported: a token, date or deadline made then
is stale by the time a slow suite reaches the test (a session token minted at import expired
and turned "another shop's dest" into "expired" on a loaded CI machine)."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
# Calls that read the clock, or mint something stamped with it.
CLOCK_READERS = frozenset(
    {
        "now",
        "utcnow",
        "today",
        "time",
        "monotonic",
        "session_token",
        "shopify_delivery",
        "create_login_link",
    }
)


class ImportTimeCalls(ast.NodeVisitor):
    """Calls made when the module runs: everything but function bodies and lambdas (their
    decorators and default values do run at import)."""

    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if isinstance(node.func, ast.Name):
            name = node.func.id
        if name in CLOCK_READERS:
            self.found.append((node.lineno, name))
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._signature_only(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._signature_only(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d]:
            self.visit(default)

    def _signature_only(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d]:
            self.visit(default)


def clock_reads_at_import(source: str) -> list[tuple[int, str]]:
    visitor = ImportTimeCalls()
    visitor.visit(ast.parse(source))
    return visitor.found


def test_no_test_module_reads_the_clock_at_import() -> None:
    found = {
        f"{path.relative_to(TESTS.parent)}:{line} {name}()"
        for path in sorted(TESTS.rglob("*.py"))
        for line, name in clock_reads_at_import(path.read_text())
    }
    assert found == set()


def test_the_scan_sees_import_time_reads_and_ignores_deferred_ones() -> None:
    source = textwrap.dedent("""
        TOKEN = session_token("a.myshopify.com")
        STAMP = datetime.now(UTC)
        def later(): return utcnow()
        MAKERS = {"fresh": lambda: session_token("a.myshopify.com")}
        @pytest.mark.parametrize("moment", [time.time()])
        def test_x(moment, when=date.today()): pass
    """)
    assert clock_reads_at_import(source) == [
        (2, "session_token"),
        (3, "now"),
        (6, "time"),
        (7, "today"),
    ]
