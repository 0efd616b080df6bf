"""The deployment files name commands that exist, with settings the app accepts.

There is no Docker here (nor in CI) to run `docker compose config`, so the compose file's
structure is checked as Compose would: every service it depends on exists and can satisfy the
condition, named volumes are declared, interpolations are well formed, only the proxy publishes
ports, and each long-running service has a health check of its own.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path
from typing import Any

import typer
import yaml

from app.cli import cli
from tests.fixtures.settings import make_settings

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s" * 40


def storeokr_commands() -> set[str]:
    group = typer.main.get_command(cli)
    return set(getattr(group, "commands", {}))


def test_compose_services_run_real_commands_with_valid_settings() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    app_services = {
        name: service
        for name, service in compose["services"].items()
        if service.get("image") == "storeokr:latest"
    }
    assert set(app_services) == {"migrate", "app", "worker"}
    for service in app_services.values():
        program, command, *_ = service["command"]
        assert program == "storeokr"
        assert command in storeokr_commands()
        environment = {
            key.removeprefix("STOREOKR_").lower(): value
            for key, value in service["environment"].items()
            if key.startswith("STOREOKR_") and "${" not in str(value)
        }
        settings = make_settings(**environment, secret_key=SECRET)
        assert settings.env == "production"
        assert not settings.is_sqlite
        assert not settings.embedded_jobs


def test_dockerfile_runs_as_non_root_and_serves() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "\nUSER storeokr\n" in dockerfile
    assert 'CMD ["storeokr", "serve"' in dockerfile


def test_shopify_app_toml_example_matches_the_settings() -> None:
    config = tomllib.loads((ROOT / "shopify.app.toml.example").read_text())
    defaults = make_settings()
    assert config["access_scopes"]["scopes"] == defaults.shopify_scopes
    assert config["webhooks"]["api_version"] == defaults.shopify_api_version
    [compliance] = config["webhooks"]["subscriptions"]
    assert set(compliance["compliance_topics"]) == {
        "customers/data_request",
        "customers/redact",
        "shop/redact",
    }
    assert config["auth"]["redirect_urls"][0].endswith("/auth/shopify/callback")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def storeokr_accepts(argv: list[str]) -> bool:
    """Whether `storeokr ARGV` parses (a command and options that exist), without running it."""
    group = typer.main.get_command(cli)
    command = getattr(group, "commands", {}).get(argv[1])
    if command is None:
        return False
    try:
        command.make_context(argv[1], argv[2:], resilient_parsing=False).close()
    except Exception:
        return False
    return True


def test_compose_depends_only_on_services_that_can_meet_the_condition() -> None:
    services = compose()["services"]
    assert set(services) == {"caddy", "postgres", "redis", "migrate", "app", "worker"}
    for name, service in services.items():
        for needed, wait in service.get("depends_on", {}).items():
            assert needed in services, f"{name} depends on a missing {needed}"
            condition = wait["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[needed], f"{needed} has no health check"
            else:
                assert condition == "service_completed_successfully"
                assert services[needed]["restart"] == "no", f"{needed} is not a one-shot"


def test_compose_declares_its_volumes_and_interpolates_well() -> None:
    text = (ROOT / "compose.yaml").read_text()
    for found in re.findall(r"\$\{[^}]*\}?", text):
        assert re.fullmatch(r"\$\{[A-Z][A-Z0-9_]*(:?[-?][^}]*)?\}", found), found
    declared = set(compose()["volumes"])
    for service in compose()["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).is_file(), source
            else:
                assert source in declared, source


def test_only_the_tls_proxy_is_published_and_it_proxies_the_web_service() -> None:
    services = compose()["services"]
    published = {name for name, service in services.items() if "ports" in service}
    assert published == {"caddy"}
    assert {"80:80", "443:443"} <= set(services["caddy"]["ports"])
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "{$STOREOKR_DOMAIN} {" in caddyfile  # a host name: Caddy gets its certificate itself
    assert "reverse_proxy app:8000" in caddyfile
    assert services["app"]["expose"] == ["8000"]
    assert services["app"]["command"][-4:-2] == ["--port", "8000"]
    public_url = services["app"]["environment"]["STOREOKR_PUBLIC_URL"]
    assert public_url.startswith("https://${STOREOKR_DOMAIN")


def test_web_and_worker_each_have_their_own_health_check() -> None:
    services = compose()["services"]
    web_check = services["app"]["healthcheck"]["test"]
    assert web_check[:2] == ["CMD", "python"]
    assert "http://127.0.0.1:8000/healthz" in web_check[-1]
    worker_check = services["worker"]["healthcheck"]["test"]
    assert worker_check[0] == "CMD"
    assert worker_check[1:] == ["storeokr", "worker", "--check"]
    assert storeokr_accepts(worker_check[1:])
    # Nothing for the worker to inherit from the image.
    instructions = [
        line.split()[0] for line in (ROOT / "Dockerfile").read_text().splitlines() if line
    ]
    assert "HEALTHCHECK" not in instructions


def docker_ignores(path: str) -> bool:
    """`.dockerignore`'s verdict on a top-level path: the last pattern that matches decides."""
    ignored = False
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!").removeprefix("**/")
        if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(Path(path).name, pattern):
            ignored = not negated
    return ignored


def test_the_build_context_holds_what_the_dockerfile_copies_and_no_local_state() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = {
        source
        for line in dockerfile.splitlines()
        if line.startswith("COPY ") and "--from=" not in line
        for source in line.split()[1:-1]
    }
    assert copied == {"pyproject.toml", "README.md", "app", "migrations", "constraints.txt"}
    for source in copied:
        assert not docker_ignores(source), source
    for local in (".venv", "var", ".env", ".git", "tests", "app/__pycache__"):
        assert docker_ignores(local), local
