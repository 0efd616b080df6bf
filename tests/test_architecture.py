"""The house is one-way: no module under app/ takes part in an import circle (the layers
between packages are import-linter's contracts in pyproject.toml, run by .ci/run)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).parent.parent


def import_cycles() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "import_cycles", ROOT / "scripts/import_cycles.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_module_under_app_is_part_of_an_import_circle() -> None:
    script = import_cycles()
    modules = script.module_files(ROOT)
    graph = {name: script.imports_of(name, path, modules) for name, path in modules.items()}
    assert list(script.cycles(graph)) == []


def test_the_cycle_finder_finds_a_circle(tmp_path: Path) -> None:
    package = tmp_path / "app"
    (package / "worker").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "runtime.py").write_text("from app.worker.jobs import Job\n")
    (package / "worker/__init__.py").write_text("")
    (package / "worker/jobs.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.runtime import R\n"
    )
    (package / "alone.py").write_text("import app.runtime\n")
    script = import_cycles()
    modules = script.module_files(tmp_path)
    graph = {name: script.imports_of(name, path, modules) for name, path in modules.items()}
    assert list(script.cycles(graph)) == [["app.runtime", "app.worker.jobs"]]
