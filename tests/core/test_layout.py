"""The layout rules of the portal, checked on the source tree.

- pure computation modules import without Flask, SQLAlchemy or any web library;
- ``portal/core`` imports no domain package (domains plug in through ``portal.app``);
- no module-level import cycles; no module over 900 lines; no threads of our own.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from portal.config import PROJECT_ROOT

PORTAL = PROJECT_ROOT / "portal"
DOMAINS = {
    "accounts",
    "councils",
    "deliberation",
    "experts",
    "feedback",
    "fees",
    "impact",
    "initiatives",
    "panels",
    "pool",
    "public",
}
# Computation that needs nothing but the standard library, NumPy, SciPy and scikit-learn.
NUMERIC_MODULES = (
    "portal.deliberation.math",
    "portal.panels.selection",
    "portal.impact.metrics",
    "portal.experts.matching",
    "portal.initiatives.rules",
)
# Fee arithmetic also validates IBANs and identity codes (schwifty, python-stdnum).
PURE_MODULES = (*NUMERIC_MODULES, "portal.fees.references", "portal.fees.calculation")
WEB_LIBRARIES = (
    "flask",
    "flask_babel",
    "flask_login",
    "flask_wtf",
    "flask_mail",
    "flask_limiter",
    "sqlalchemy",
    "alembic",
    "wtforms",
    "werkzeug",
    "jinja2",
    "huey",
    "babel",
    "cryptography",
    "argon2",
    "psycopg",
    "redis",
)
OTHER_LIBRARIES = ("schwifty", "stdnum", "email_validator", "fpdf")
MAX_LINES = 900


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PORTAL.rglob("*.py"):
        parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _top_level_imports(path: Path, module: str) -> set[str]:
    """Modules imported at import time (not inside functions), resolved to portal modules."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.If):  # ``if TYPE_CHECKING:`` imports never run
            continue
    return {name for name in found if name.startswith("portal")}


def _import_blocking(modules: tuple[str, ...], blocked: tuple[str, ...]) -> None:
    blocker = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {blocked!r}:\n"
        "            raise ImportError(f'{name} is blocked: pure modules must not need it')\n"
        "        return None\n"
        "sys.meta_path.insert(0, Block())\n"
        "import importlib\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocker],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"


def test_pure_modules_import_without_web_libraries() -> None:
    _import_blocking(PURE_MODULES, WEB_LIBRARIES)


def test_numeric_modules_need_only_numpy_scipy_and_scikit_learn() -> None:
    _import_blocking(NUMERIC_MODULES, (*WEB_LIBRARIES, *OTHER_LIBRARIES))


def test_core_imports_no_domain() -> None:
    offenders = []
    for module, path in _modules().items():
        if not module.startswith("portal.core"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):  # function-level imports count too
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                parts = name.split(".")
                if parts[0] == "portal" and len(parts) > 1 and parts[1] in DOMAINS:
                    offenders.append(f"{module} imports {name}")
    assert offenders == []


def test_domains_use_no_other_domains_views_forms_or_private_helpers() -> None:
    """Domains meet through services (and the impact chain), not each other's insides."""
    offenders = []
    for module, path in _modules().items():
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in DOMAINS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for name in names:
                target = name.split(".")
                if target[0] != "portal" or len(target) < 3 or target[1] not in DOMAINS:
                    continue
                if target[1] == parts[1]:
                    continue
                inside = target[2] in {"views", "forms"} or any(
                    part.startswith("_") and not part.startswith("__") for part in target[2:]
                )
                if inside:
                    offenders.append(f"{module} imports {name}")
    assert offenders == []


def test_no_module_level_import_cycles() -> None:
    modules = _modules()
    graph = {
        module: {name for name in _top_level_imports(path, module) if name in modules} - {module}
        for module, path in modules.items()
    }
    # A package's ``__init__`` importing its own submodules is how re-exports work; a cycle
    # is a submodule importing back through a chain that comes round to itself.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert cycles == []


@pytest.mark.parametrize("limit", [MAX_LINES])
def test_no_module_is_too_long(limit: int) -> None:
    long = {
        str(path.relative_to(PROJECT_ROOT)): count
        for path in PORTAL.rglob("*.py")
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > limit
    }
    assert long == {}


def test_the_portal_starts_no_threads_of_its_own() -> None:
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for path in PORTAL.rglob("*.py")
        if "threading.Thread(" in (text := path.read_text(encoding="utf-8"))
        or "threading.Timer(" in text
        or "Thread(target" in text
    ]
    assert offenders == []
