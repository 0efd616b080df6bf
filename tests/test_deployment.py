"""The deployment files name commands that exist, with settings the app accepts."""

from __future__ import annotations

import tomllib
from pathlib import Path

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
            if "${" not in str(value)
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
