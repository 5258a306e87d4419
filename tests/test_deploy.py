"""The Dockerfile, docker-compose.yml and the systemd unit run pipebot the way README.md says."""

import json
import re
import shlex
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from bot.config import load_settings
from bot.startup import EXIT_FIX_CONFIG, EXIT_TRY_AGAIN

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PORT = load_settings({}).port


# --- Dockerfile -------------------------------------------------------------------------------


def instructions() -> list[dict[str, Any]]:
    return DockerfileParser(path=str(ROOT / "Dockerfile")).structure


def stages() -> list[list[dict[str, Any]]]:
    """The instructions of each build stage, FROM first."""
    result: list[list[dict[str, Any]]] = []
    for instruction in instructions():
        if instruction["instruction"] == "FROM":
            result.append([])
        if result and instruction["instruction"] != "COMMENT":
            result[-1].append(instruction)
    return result


def final_stage() -> list[dict[str, Any]]:
    return stages()[-1]


def values(stage: list[dict[str, Any]], name: str) -> list[str]:
    return [i["value"] for i in stage if i["instruction"] == name]


def exec_form(value: str) -> list[str]:
    parsed = json.loads(value)
    assert isinstance(parsed, list), f"not exec form: {value}"
    return parsed


def test_every_stage_starts_from_a_pinned_slim_python() -> None:
    for stage in stages():
        assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?( AS \w+)?", stage[0]["value"])


def test_the_image_runs_as_the_non_root_user_it_creates() -> None:
    stage = final_stage()
    users = values(stage, "USER")
    assert users, "the final stage never leaves root"
    user, _, group = users[-1].partition(":")
    assert user not in ("root", "0") and group not in ("root", "0")
    created = " ".join(values(stage, "RUN"))
    assert f"--uid {user}" in created and "useradd" in created
    order = [i["instruction"] for i in stage]
    assert order.index("USER") > max(i for i, name in enumerate(order) if name == "RUN")


def test_the_entry_point_is_pipebot_run_in_http_mode() -> None:
    stage = final_stage()
    command = exec_form(values(stage, "ENTRYPOINT")[-1]) + exec_form(values(stage, "CMD")[-1])
    assert command[:2] == ["pipebot", "run"] and command[2:] == ["--mode", "http"]


def test_the_port_exposed_is_the_one_pipebot_listens_on() -> None:
    stage = final_stage()
    assert values(stage, "EXPOSE") == [str(DEFAULT_PORT)]
    assert f"PORT={DEFAULT_PORT}" in " ".join(values(stage, "ENV")).split()


def test_pipebot_home_is_the_working_directory_and_a_volume() -> None:
    stage = final_stage()
    env = " ".join(values(stage, "ENV")).split()
    home = next(item.split("=", 1)[1] for item in env if item.startswith("PIPEBOT_HOME="))
    assert values(stage, "WORKDIR")[-1] == home
    assert exec_form(values(stage, "VOLUME")[-1]) == [home]
    assert f"--home-dir {home}" in " ".join(values(stage, "RUN"))


def healthcheck_command() -> list[str]:
    (value,) = values(final_stage(), "HEALTHCHECK")
    options, _, command = value.partition("CMD")
    assert "--interval" in options and "--timeout" in options
    return exec_form(command.strip())


def test_the_health_check_asks_healthz_on_port() -> None:
    command = healthcheck_command()
    assert command[0] == "python" and "/healthz" in command[-1] and "PORT" in command[-1]


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_the_health_check_command_passes_only_on_a_healthy_answer(
    health_server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch, status: int, healthy: bool
) -> None:
    monkeypatch.setattr(_Health, "status", status)
    command = [sys.executable, *healthcheck_command()[1:]]
    port = str(health_server.server_address[1])
    result = subprocess.run(command, env={"PORT": port}, capture_output=True, timeout=30)
    assert (result.returncode == 0) is healthy


def test_the_build_copies_everything_the_package_needs_and_nothing_secret() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = {project["project"]["readme"], "pyproject.toml"} | {
        pattern.rstrip("*")
        for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    copied: set[str] = set()
    for value in values(stages()[0], "COPY"):
        copied |= {source.rstrip("/") for source in value.split()[:-1]}
    assert needed <= copied
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignored = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert {".env", "*.db", ".venv", ".git"} <= ignored
    assert not needed & ignored


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install -e '.[dev]')")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- docker-compose.yml -----------------------------------------------------------------------


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def replicas() -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose()["services"].items()
        if str(service.get("image", "")).startswith("pipebot") or "build" in service
    }


def test_compose_runs_postgresql_with_a_health_check_and_a_volume() -> None:
    db = compose()["services"]["db"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in db["healthcheck"]["test"]
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in db["volumes"])


def test_compose_has_two_http_replicas_and_one_runs_the_scheduler() -> None:
    services = replicas()
    assert len(services) == 2
    schedulers = sorted(
        service["environment"]["PIPEBOT_SCHEDULER"] for service in services.values()
    )
    assert schedulers == ["off", "on"]
    for service in services.values():
        env = service["environment"]
        assert service["command"] == ["run", "--mode", "http"]
        assert "SLACK_APP_TOKEN" not in env and "SLACK_SIGNING_SECRET" in env
        assert env["SLACK_BOT_TOKEN"].startswith("${SLACK_BOT_TOKEN:?")  # from .env, never inline
        assert (
            env["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env["DATABASE_URL"]
        )
        assert service["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_replicas_share_the_database_the_db_service_creates() -> None:
    db_env = compose()["services"]["db"]["environment"]
    for service in replicas().values():
        url = service["environment"]["DATABASE_URL"]
        assert url.startswith(f"postgresql://{db_env['POSTGRES_USER']}:")
        assert url.endswith(f"/{db_env['POSTGRES_DB']}")


def test_compose_publishes_each_replica_on_its_own_host_port() -> None:
    published = []
    for service in replicas().values():
        (mapping,) = service["ports"]
        *host, container = mapping.split(":")
        assert container == str(DEFAULT_PORT) == service["environment"]["PORT"]
        published.append(host[-1])
    assert len(set(published)) == len(published)


def test_readme_calls_the_compose_file_an_example() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "[`docker-compose.yml`](docker-compose.yml) is an example" in readme


# --- deploy/pipebot.service -------------------------------------------------------------------


def unit() -> dict[str, dict[str, list[str]]]:
    """The unit file as section → key → values (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in (ROOT / "deploy" / "pipebot.service").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def one(section: dict[str, list[str]], key: str) -> str:
    (value,) = section[key]
    return value


def test_the_unit_runs_one_socket_mode_instance_as_a_non_root_user() -> None:
    service = unit()["Service"]
    assert one(service, "User") not in ("root", "0")
    assert shlex.split(one(service, "ExecStart"))[1:] == ["run", "--mode", "socket"]
    assert shlex.split(one(service, "ExecStart"))[0].endswith("/bin/pipebot")
    assert one(service, "EnvironmentFile").startswith("/etc/")
    assert unit()["Install"]["WantedBy"] == ["multi-user.target"]


def test_the_unit_keeps_its_data_in_pipebot_home() -> None:
    service = unit()["Service"]
    home = f"/var/lib/{one(service, 'StateDirectory')}"
    assert f"PIPEBOT_HOME={home}" in service["Environment"]
    assert one(service, "WorkingDirectory") == home


def test_the_unit_restarts_on_failure_but_not_on_a_configuration_error() -> None:
    service = unit()["Service"]
    assert one(service, "Restart") == "on-failure"
    prevented = one(service, "RestartPreventExitStatus").split()
    assert str(EXIT_FIX_CONFIG) in prevented and str(EXIT_TRY_AGAIN) not in prevented


def test_the_unit_is_hardened() -> None:
    service = unit()["Service"]
    expected = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "CapabilityBoundingSet": "",
        "RestrictSUIDSGID": "yes",
    }
    assert {key: one(service, key) for key in expected} == expected


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # verify insists that ExecStart exists; the pipebot of a real install lives in /opt.
    text = (ROOT / "deploy" / "pipebot.service").read_text()
    exec_start = shlex.split(one(unit()["Service"], "ExecStart"))[0]
    copy = tmp_path / "pipebot.service"
    copy.write_text(text.replace(exec_start, shutil.which("true") or "/bin/true"))
    result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
