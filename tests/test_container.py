"""The Dockerfile and compose.yaml agree with the settings, the CLI and the app.

The images are not built here (that needs a Docker daemon and the registries); these
checks catch what usually breaks them: a renamed setting or command, a stage copied from
that no longer exists, a secret written into the file, root as the user.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from flask import Flask

from assistant.cli import main
from assistant.config import PROJECT_ROOT, describe

SETTINGS = {variable for variable, _, _ in describe()}
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text(encoding="utf-8"))


def stages() -> dict[str, list[tuple[str, str]]]:
    """Each stage's instructions (keyword, arguments), continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        keyword, _, rest = line.strip().partition(" ")
        if keyword.upper() == "FROM":
            name = rest.split(" AS ")[-1].strip() if " AS " in rest else str(len(found))
            current = found.setdefault(name, [])
        current.append((keyword.upper(), rest.strip()))
    return found


def instructions(stage: str, keyword: str) -> list[str]:
    return [rest for k, rest in stages()[stage] if k == keyword]


def test_the_image_is_built_in_stages_and_runs_as_a_user() -> None:
    assert list(stages()) == ["build", "runtime"]
    copied_from = {
        m for c in instructions("runtime", "COPY") for m in re.findall(r"--from=(\S+)", c)
    }
    assert copied_from == {"build"}
    assert not any("pip install" in r for r in instructions("runtime", "RUN"))
    [user] = instructions("runtime", "USER")
    assert user not in ("root", "0") and "useradd --system --uid 10001 --gid pair" in DOCKERFILE
    assert user == "pair"


def test_the_build_stage_uses_the_cpu_torch_of_make_setup_and_builds_the_index() -> None:
    make_torch = re.search(r"^TORCH_SPEC \?= (\S+)$", (PROJECT_ROOT / "Makefile").read_text(), re.M)
    assert make_torch is not None
    assert f"ARG TORCH_SPEC={make_torch.group(1)}" in DOCKERFILE
    assert "ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu" in DOCKERFILE
    env = " ".join(instructions("build", "ENV"))
    assert "HF_HUB_OFFLINE=1" in env
    assert any("pair-assistant index build" in r for r in instructions("build", "RUN"))


def test_the_command_and_every_setting_named_exist(app: Flask) -> None:
    [cmd] = instructions("runtime", "CMD")
    program, command = shlex.split(cmd.strip("[]").replace(",", " "))
    assert program == "pair-assistant" and command in main.commands
    named = set(re.findall(r"\bPAIR_[A-Z_]+\b", DOCKERFILE))
    assert named and named <= SETTINGS, named - SETTINGS
    assert "PAIR_AUTO_REBUILD=false" in DOCKERFILE  # the index in the image is read-only
    port = re.search(r"PAIR_PORT=(\d+)", DOCKERFILE)
    assert port and instructions("runtime", "EXPOSE") == [port.group(1)]
    [check] = instructions("runtime", "HEALTHCHECK")
    path = re.search(r"http://127\.0\.0\.1:%s(/\w+)", check)
    assert path and any(rule.rule == path.group(1) for rule in app.url_map.iter_rules())


def test_compose_runs_the_app_with_postgresql_and_redis_on_named_volumes() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"app", "db", "redis"}
    app = services["app"]
    assert app["build"] == "." and set(app["depends_on"]) == {"db", "redis"}
    env = app["environment"]
    assert set(env) <= SETTINGS, set(env) - SETTINGS
    assert env["PAIR_DATABASE_URL"].startswith("postgresql+psycopg://pair:${POSTGRES_PASSWORD")
    assert env["PAIR_DATABASE_URL"].endswith("@db:5432/pair")
    assert env["PAIR_RATE_LIMIT_STORAGE"] == "redis://redis:6379/0"
    declared = set(COMPOSE["volumes"])
    used = {
        volume.split(":")[0]
        for service in services.values()
        for volume in service.get("volumes", [])
    }
    assert used == declared == {"instance", "postgres"}
    assert "instance:/var/lib/pair-assistant" in app["volumes"]
    assert "PAIR_INSTANCE_DIR=/var/lib/pair-assistant" in DOCKERFILE


def test_no_secret_is_written_in_the_files() -> None:
    app, db = COMPOSE["services"]["app"], COMPOSE["services"]["db"]
    assert app["env_file"] == ".env"
    assert app["environment"]["PAIR_SECRET_KEY"].startswith("${PAIR_SECRET_KEY:?")
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    for line in (PROJECT_ROOT / ".dockerignore", PROJECT_ROOT / ".gitignore"):
        assert ".env" in line.read_text().split(), line
    assert not re.search(r"(?i)(password|secret)[^\n]*=\s*[A-Za-z0-9]{8,}", DOCKERFILE)


@pytest.mark.parametrize("service", ["app", "db", "redis"])
def test_every_service_restarts_and_is_health_checked(service: str) -> None:
    spec = COMPOSE["services"][service]
    assert spec["restart"] == "unless-stopped"
    assert service == "app" or spec["healthcheck"]["test"][0] == "CMD"


def test_the_redis_url_of_compose_is_one_the_limiter_can_use() -> None:
    """The redis client is a declared dependency (limits refuses the URL without it)."""
    from limits.storage import RedisStorage, storage_from_string

    url = COMPOSE["services"]["app"]["environment"]["PAIR_RATE_LIMIT_STORAGE"]
    assert isinstance(storage_from_string(url), RedisStorage)  # connects only when used


def test_the_image_needs_no_file_the_build_context_leaves_out() -> None:
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    for source in (c.split()[0] for c in instructions("build", "COPY")):
        top = Path(source).parts[0]
        assert top not in ignored and (PROJECT_ROOT / source).exists(), source
