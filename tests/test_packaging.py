"""The built wheel, installed plainly (no `-e`) in a fresh virtual environment, migrates and serves.

Offline: the wheel is built with the project's own hatchling (`--no-build-isolation`) and
installed with `--no-index --no-deps`; the new environment sees the project environment's
site-packages for its dependencies only (a path in a `.pth` file: the editable install's own
`.pth` hook there is not run), so `app` can come from nowhere but the installed wheel.
"""

from __future__ import annotations

import importlib.util
import site
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.network import free_port
from tests.test_cli import clean_env, wait_for_ok

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str | Path, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def build_wheel(into: Path) -> Path:
    assert importlib.util.find_spec("hatchling"), (
        "hatchling (a dev dependency) builds the wheel offline: "
        "pip install -c constraints.txt -e '.[dev]'"
    )
    run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "--wheel-dir", into, ROOT,
        cwd=into, env=clean_env(),
    )  # fmt: skip
    [wheel] = into.glob("storeokr-*.whl")
    return wheel


def fresh_venv_with(wheel: Path, at: Path) -> Path:
    run(sys.executable, "-m", "venv", "--without-pip", at, cwd=at.parent, env=clean_env())
    python = at / "bin" / "python"
    own_site = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                   cwd=at.parent, env=bare_env())  # fmt: skip
    (Path(own_site.strip()) / "project-dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n"
    )
    run(python, "-m", "pip", "install", "--no-index", "--no-deps", wheel,
        cwd=at.parent, env=bare_env())  # fmt: skip
    return at / "bin"


def bare_env(**values: str) -> dict[str, str]:
    """The user's environment: no PYTHONPATH pointing at the checkout."""
    env = clean_env(**values)
    env.pop("PYTHONPATH", None)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `bin/` of a fresh venv holding the wheel built from this checkout."""
    work = tmp_path_factory.mktemp("wheel")
    wheel = build_wheel(work)
    return fresh_venv_with(wheel, work / "venv")


def test_the_wheel_carries_the_migrations_and_runs_from_its_own_copy(
    installed: Path, tmp_path: Path
) -> None:
    asked = "import app.schema as s; print(s.migrations_directory())"
    where = run(installed / "python", "-c", asked, cwd=tmp_path, env=bare_env())
    migrations = Path(where.strip())
    assert migrations.is_relative_to(installed.parent), migrations
    assert migrations.parts[-2:] == ("app", "migrations")
    shipped = {path.name for path in (migrations / "versions").glob("*.py")}
    in_checkout = {path.name for path in (ROOT / "migrations" / "versions").glob("*.py")}
    assert shipped == in_checkout
    version = run(installed / "storeokr", "--version", cwd=tmp_path, env=bare_env())
    assert version.strip() == "storeokr 0.1.0"


def test_the_installed_command_migrates_and_serves(installed: Path, tmp_path: Path) -> None:
    migrated = run(installed / "storeokr", "migrate", cwd=tmp_path, env=bare_env())
    assert "database at head (sqlite)" in migrated
    assert (tmp_path / "var" / "storeokr.db").exists()
    port = free_port()
    process = subprocess.Popen(
        [installed / "storeokr", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=bare_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        response = wait_for_ok(f"http://127.0.0.1:{port}/healthz", timeout_s=60)
        assert response.json() == {"status": "ok"}
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=60)
    assert "Application shutdown complete" in output
    assert "Traceback" not in output
