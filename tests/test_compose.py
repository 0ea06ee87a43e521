"""docker-compose.yml against settings.py: the production stack sets only variables the
settings read, sets the ones production cannot do without, and checks the health of every
service; and the Dockerfile copies every project package. Plain file parsing: no database,
no Docker."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
SETTINGS_FILE = ROOT / "reclass_volunteers" / "settings.py"

SERVICES = ("web", "worker", "beat", "postgres", "redis")
APP_SERVICES = ("web", "worker", "beat")
REQUIRED_ON_WEB = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "DJANGO_DEBUG",
)
# The variables a compose file interpolates but that must never have a default there.
SECRETS = ("SECRET_KEY", "EMAIL_URL")


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), "docker-compose.yml is not a mapping"
    return loaded


def service(name: str) -> dict[str, Any]:
    services = compose().get("services") or {}
    assert name in services, f"docker-compose.yml has no service {name!r}"
    definition = services[name]
    assert isinstance(definition, dict)
    return definition


def environment(name: str) -> dict[str, str]:
    """A service's environment as a mapping, whichever of compose's two forms it uses."""
    raw = service(name).get("environment") or {}
    if isinstance(raw, list):
        pairs = (item.split("=", 1) for item in raw)
        return {pair[0]: (pair[1] if len(pair) > 1 else "") for pair in pairs}
    return {str(key): "" if value is None else str(value) for key, value in raw.items()}


def variables_read_by_settings() -> set[str]:
    """Names passed as the first argument to `env(...)` or any `env.<cast>(...)` call."""
    tree = ast.parse(SETTINGS_FILE.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        is_env_call = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        first = node.args[0]
        if is_env_call and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def test_settings_parser_finds_the_env_calls() -> None:
    # Guards the other tests: an empty or partial set would make them pass or fail for nothing.
    found = variables_read_by_settings()
    expected = {"DJANGO_DEBUG", "SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "ALLOWED_HOSTS"}
    assert expected <= found, f"not found in settings.py: {sorted(expected - found)}"
    assert {"CELERY_BROKER_URL", "DATABASE_POOL_MAX", "STATIC_ROOT", "PROXY_COUNT"} <= found


def test_compose_names_every_service() -> None:
    services = compose().get("services") or {}
    missing = [name for name in SERVICES if name not in services]
    assert not missing, f"docker-compose.yml lacks services: {missing}"


# Ids with a prefix: conftest deselects items whose keywords contain "postgres" on SQLite,
# and a bare parameter id "postgres" would be one.
@pytest.mark.parametrize("name", SERVICES, ids=lambda name: f"service-{name}")
def test_every_service_has_a_healthcheck(name: str) -> None:
    healthcheck = service(name).get("healthcheck")
    assert isinstance(healthcheck, dict), f"{name} has no healthcheck"
    assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
    test = healthcheck.get("test")
    assert test, f"{name}'s healthcheck has no test"
    if isinstance(test, list):
        assert test[0] in ("CMD", "CMD-SHELL"), f"{name}'s healthcheck test is {test[0]!r}"
        assert len(test) > 1, f"{name}'s healthcheck runs nothing"


def test_web_healthcheck_requests_the_health_page() -> None:
    test = service("web")["healthcheck"]["test"]
    assert "/health/" in " ".join(test if isinstance(test, list) else [test])


def test_worker_healthcheck_pings_celery() -> None:
    test = service("worker")["healthcheck"]["test"]
    assert "celery -A reclass_volunteers inspect ping" in " ".join(
        test if isinstance(test, list) else [test]
    )


def test_worker_and_beat_run_celery() -> None:
    """The reminder sweeps need both: beat schedules them, the worker runs them."""
    assert service("worker")["command"][:4] == ["celery", "-A", "reclass_volunteers", "worker"]
    assert service("beat")["command"][:4] == ["celery", "-A", "reclass_volunteers", "beat"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_set_only_variables_that_settings_read(name: str) -> None:
    unknown = sorted(set(environment(name)) - variables_read_by_settings())
    assert not unknown, f"{name} sets variables settings.py never reads: {unknown}"


def test_web_sets_what_production_needs() -> None:
    env = environment("web")
    missing = [name for name in REQUIRED_ON_WEB if not env.get(name)]
    assert not missing, f"web does not set: {missing}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_with_debug_off(name: str) -> None:
    assert environment(name).get("DJANGO_DEBUG", "").lower() == "false"


@pytest.mark.parametrize("variable", SECRETS)
def test_secrets_are_required_not_defaulted(variable: str) -> None:
    value = environment("web").get(variable, "")
    assert value.startswith(f"${{{variable}:?"), f"{variable} should be ${{{variable}:?...}}"


def test_database_password_is_required() -> None:
    url = environment("web").get("DATABASE_URL", "")
    assert ":?" in url, "DATABASE_URL's password should be a required ${...:?...} variable"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_dependencies(name: str) -> None:
    depends_on = service(name).get("depends_on")
    assert isinstance(depends_on, dict), f"{name} needs depends_on with conditions"
    assert depends_on.get("redis", {}).get("condition") == "service_healthy"
    for dependency, spec in depends_on.items():
        assert spec.get("condition") in (
            "service_healthy",
            "service_completed_successfully",
        ), f"{name} starts without waiting for {dependency}"


def test_migrations_run_before_the_application_starts() -> None:
    migrate = service("migrate")
    assert "migrate" in " ".join(migrate.get("command") or [])
    for name in APP_SERVICES:
        condition = service(name)["depends_on"].get("migrate", {}).get("condition")
        assert condition == "service_completed_successfully", f"{name} may start before migrate"


def test_beat_keeps_its_schedule_on_a_named_volume() -> None:
    declared = set((compose().get("volumes") or {}).keys())
    mounts = [str(mount) for mount in service("beat").get("volumes") or []]
    assert any(mount.split(":", 1)[0] in declared for mount in mounts), mounts


def test_dockerfile_copies_every_project_package() -> None:
    # The Dockerfile lists what it copies (no .venv, var/ or .env in the image), so a new app
    # that is installed but not copied would be missing from the image.
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in include}
    assert packages, "pyproject.toml lists no packages"
    copied: set[str] = set()
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and parts[0] == "COPY":
            # COPY <source>... <destination>
            copied.update(source.rstrip("/") for source in parts[1:-1])
    missing = sorted((packages | {"manage.py", "templates", "static", "locale"}) - copied)
    assert not missing, f"Dockerfile does not copy: {missing}"
