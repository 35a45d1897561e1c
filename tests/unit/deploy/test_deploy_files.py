"""The production deployment files, read as files: deploy/compose.yaml, deploy/Dockerfile,
deploy/mosquitto/mosquitto.conf, deploy/.env.example and the manifests in deploy/k8s/.

No Docker or Kubernetes is needed: each test parses a file and checks a concrete value
that would break the production stack if it were wrong.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"

SERVICES = ("ingest", "rules", "dispatch", "console", "recorder", "replay")
HTTP_SERVICES = ("console", "ingest", "replay")
BROKERS = ("kafka-1", "kafka-2", "kafka-3")
RULES_SOURCE = "../rules/default.yaml"

#: Every SANFANG_ variable the deployment may set: the documented production settings.
DOCUMENTED = frozenset(
    {
        "SANFANG_ENVIRONMENT",
        "SANFANG_KAFKA_BOOTSTRAP",
        "SANFANG_KAFKA_ENABLE_IDEMPOTENCE",
        "SANFANG_TOPIC_PARTITIONS",
        "SANFANG_TOPIC_REPLICATION",
        "SANFANG_MQTT_SHARED_ACKS",
        "SANFANG_DATABASE_URL",
        "SANFANG_MQTT_HOST",
        "SANFANG_MQTT_PORT",
        "SANFANG_MQTT_USERNAME",
        "SANFANG_MQTT_PASSWORD",
        "SANFANG_SECRET_KEY",
        "SANFANG_INGEST_TOKENS",
        "SANFANG_PUBLIC_URL",
        "SANFANG_RULES_FILE",
        "SANFANG_HOST",
        "SANFANG_PORT",
    }
)

#: The settings with one right value in the compose stack.
COMPOSE_SETTINGS = {
    "SANFANG_ENVIRONMENT": "production",
    "SANFANG_KAFKA_BOOTSTRAP": "kafka-1:9092,kafka-2:9092,kafka-3:9092",
    "SANFANG_KAFKA_ENABLE_IDEMPOTENCE": "true",
    "SANFANG_TOPIC_PARTITIONS": "12",
    "SANFANG_TOPIC_REPLICATION": "3",
    "SANFANG_MQTT_HOST": "mosquitto",
    "SANFANG_MQTT_PORT": "1883",
    "SANFANG_RULES_FILE": "/etc/sanfang/rules.yaml",
    "SANFANG_HOST": "0.0.0.0",  # noqa: S104 - inside its container a service listens on every interface
    "SANFANG_PORT": "8080",
}

#: A value compose must refuse to start without: ``${NAME:?message}`` and nothing else.
REQUIRED = re.compile(r"\$\{(?P<name>[A-Z][A-Z0-9_]*):\?[^}]+\}")
DATABASE_URL = re.compile(
    r"postgresql\+asyncpg://sanfang:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432/sanfang"
)
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKENS?|_KEY)$")

API_VERSIONS = {
    "Namespace": "v1",
    "ConfigMap": "v1",
    "Secret": "v1",
    "Service": "v1",
    "Deployment": "apps/v1",
    "Job": "batch/v1",
}

# --------------------------------------------------------------------------- loading


@pytest.fixture(scope="module")
def compose_text() -> str:
    """compose.yaml without its comment lines, which may show ``${VAR:?message}`` as an example."""
    lines = (DEPLOY / "compose.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(line for line in lines if not line.lstrip().startswith("#"))


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict[str, Any]:
    data = yaml.safe_load(compose_text)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(compose["services"])


@pytest.fixture(scope="module")
def manifests() -> list[tuple[str, dict[str, Any]]]:
    """Every document of every manifest, the Secret template included.

    ``secret.yaml`` is an operator's filled-in copy of the template (git-ignored), not ours.
    """
    paths = [p for p in sorted(K8S.glob("*.yaml")) if p.name != "secret.yaml"]
    paths.append(K8S / "secret.yaml.example")
    docs = []
    for path in paths:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                docs.append((path.name, doc))
    return docs


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return _instructions((DEPLOY / "Dockerfile").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


@pytest.fixture(scope="module")
def mosquitto_conf() -> dict[str, list[str]]:
    options: dict[str, list[str]] = {}
    for line in (DEPLOY / "mosquitto" / "mosquitto.conf").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.strip().partition(" ")
            options.setdefault(key, []).append(value.strip())
    return options


def _instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            word, _, rest = stripped.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment is written as a mapping"
    return {str(k): str(v) for k, v in env.items()}


def _voters(value: str) -> dict[int, tuple[str, int]]:
    voters = {}
    for voter in value.split(","):
        node, _, address = voter.partition("@")
        host, _, port = address.rpartition(":")
        voters[int(node)] = (host, int(port))
    return voters


def _listeners(value: str) -> dict[str, tuple[str, int]]:
    result = {}
    for listener in value.split(","):
        name, _, address = listener.partition("://")
        host, _, port = address.rpartition(":")
        result[name] = (host, int(port))
    return result


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _of_kind(manifests: list[tuple[str, dict[str, Any]]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in manifests if doc["kind"] == kind}


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    containers = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


# --------------------------------------------------------------------------- compose


def test_compose_runs_exactly_the_production_stack(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {
        *BROKERS,
        "postgres",
        "mosquitto",
        "mosquitto-passwd",
        "migrate",
        *SERVICES,
    }


def test_kafka_is_kraft_without_zookeeper(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        assert not any("zookeeper" in str(item).lower() for item in _walk(service)), name
    for broker in BROKERS:
        env = _env(services[broker])
        assert services[broker]["image"] == "apache/kafka:4.2.0"
        assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
        assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
        assert env["CLUSTER_ID"], "KRaft storage is formatted with a cluster id"


def test_kafka_quorum_voters_name_each_other(services: dict[str, dict[str, Any]]) -> None:
    envs = {broker: _env(services[broker]) for broker in BROKERS}
    voter_lists = {env["KAFKA_CONTROLLER_QUORUM_VOTERS"] for env in envs.values()}
    assert len(voter_lists) == 1, "every broker must list the same voters"
    voters = _voters(voter_lists.pop())
    assert {host for host, _ in voters.values()} == set(BROKERS)
    assert len({env["CLUSTER_ID"] for env in envs.values()}) == 1
    for broker, env in envs.items():
        node_id = int(env["KAFKA_NODE_ID"])
        listeners = _listeners(env["KAFKA_LISTENERS"])
        advertised = _listeners(env["KAFKA_ADVERTISED_LISTENERS"])
        assert voters[node_id] == (broker, listeners["CONTROLLER"][1]), broker
        assert services[broker]["hostname"] == broker
        assert advertised["PLAINTEXT"] == (broker, listeners["PLAINTEXT"][1])
    assert sorted(int(env["KAFKA_NODE_ID"]) for env in envs.values()) == sorted(voters)


def test_kafka_replicates_every_write_to_two_brokers_at_least(services: dict[str, dict[str, Any]]) -> None:
    for broker in BROKERS:
        env = _env(services[broker])
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "2"
        assert env["KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE"] == "false"
        assert f"{broker}-data:{env['KAFKA_LOG_DIRS']}" in services[broker]["volumes"]
        assert "healthcheck" in services[broker]


def test_bootstrap_lists_every_advertised_broker(services: dict[str, dict[str, Any]]) -> None:
    advertised = {
        "{}:{}".format(*_listeners(_env(services[b])["KAFKA_ADVERTISED_LISTENERS"])["PLAINTEXT"])
        for b in BROKERS
    }
    for name in (*SERVICES, "migrate"):
        bootstrap = _env(services[name])["SANFANG_KAFKA_BOOTSTRAP"]
        assert set(bootstrap.split(",")) == advertised, name


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_runs_its_own_command_from_the_image(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    service = services[name]
    assert service["command"] == ["run", name]
    assert service["image"] == services["migrate"]["image"]
    assert (DEPLOY / service["build"]["context"]).resolve() == ROOT
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert service["restart"] == "unless-stopped"


@pytest.mark.parametrize("name", SERVICES)
def test_each_service_waits_for_migrations_and_healthy_infrastructure(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    depends = services[name]["depends_on"]
    assert depends["migrate"] == {"condition": "service_completed_successfully"}
    for dependency in (*BROKERS, "postgres"):
        assert depends[dependency] == {"condition": "service_healthy"}, dependency


def test_dispatch_waits_for_a_healthy_mqtt_broker(services: dict[str, dict[str, Any]]) -> None:
    assert services["dispatch"]["depends_on"]["mosquitto"] == {"condition": "service_healthy"}


def test_migrate_is_a_one_shot_job_after_postgres(services: dict[str, dict[str, Any]]) -> None:
    migrate = services["migrate"]
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert "ports" not in migrate


def test_services_share_the_x_sanfang_anchor(compose: dict[str, Any], compose_text: str) -> None:
    assert re.search(r"^x-sanfang: &sanfang$", compose_text, re.MULTILINE)
    assert compose_text.count("<<: *sanfang\n") == len(SERVICES) + 1
    shared = compose["x-sanfang"]
    for name in (*SERVICES, "migrate"):
        service = compose["services"][name]
        assert service["environment"] == shared["environment"], name
        assert service["build"] == shared["build"], name


@pytest.mark.parametrize("name", [*SERVICES, "migrate"])
def test_service_settings_are_the_production_ones(services: dict[str, dict[str, Any]], name: str) -> None:
    env = _env(services[name])
    assert set(env) == DOCUMENTED
    for key, value in COMPOSE_SETTINGS.items():
        assert env[key] == value, key
    assert DATABASE_URL.fullmatch(env["SANFANG_DATABASE_URL"])
    for key in (
        "SANFANG_MQTT_USERNAME",
        "SANFANG_MQTT_PASSWORD",
        "SANFANG_SECRET_KEY",
        "SANFANG_INGEST_TOKENS",
        "SANFANG_PUBLIC_URL",
    ):
        match = REQUIRED.fullmatch(env[key])
        assert match, f"{key} must be ${{{key}:?message}}"
        assert match["name"] == key


def test_only_documented_sanfang_variables_are_used(compose_text: str, env_example: dict[str, str]) -> None:
    used = set(re.findall(r"\bSANFANG_[A-Z0-9_]+", compose_text))
    assert used <= DOCUMENTED, used - DOCUMENTED
    assert {k for k in env_example if k.startswith("SANFANG_")} <= DOCUMENTED


def test_no_literal_secret_in_compose(compose_text: str, services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for key, value in _env(service).items():
            if SECRET_NAME.search(key):
                assert REQUIRED.fullmatch(value), f"{name}: {key} is not ${{VAR:?message}}"
    # No default for a secret anywhere: ${POSTGRES_PASSWORD:-x} would start with "x".
    for var, operator, _ in re.findall(r"\$\{([A-Z0-9_]+)(:?[-=+])([^}]*)\}", compose_text):
        assert not SECRET_NAME.search(var), f"{var} has a default ({operator})"
    postgres = _env(services["postgres"])
    assert REQUIRED.fullmatch(postgres["POSTGRES_PASSWORD"])


def test_env_example_names_every_required_variable_with_placeholders(
    compose_text: str, env_example: dict[str, str]
) -> None:
    required = {m["name"] for m in REQUIRED.finditer(compose_text)}
    assert required == {
        "POSTGRES_PASSWORD",
        "SANFANG_MQTT_USERNAME",
        "SANFANG_MQTT_PASSWORD",
        "SANFANG_SECRET_KEY",
        "SANFANG_INGEST_TOKENS",
        "SANFANG_PUBLIC_URL",
    }
    assert required <= set(env_example)
    for name in required:
        if SECRET_NAME.search(name):
            assert "CHANGE-ME" in env_example[name], name
    assert (DEPLOY / ".gitignore").read_text(encoding="utf-8").splitlines().count(".env") == 1


@pytest.mark.parametrize("name", HTTP_SERVICES)
def test_http_services_are_checked_on_healthz_and_readyz(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    check = " ".join(services[name]["healthcheck"]["test"])
    port = _env(services[name])["SANFANG_PORT"]
    assert f"http://127.0.0.1:{port}" in check
    assert "/healthz" in check
    assert "/readyz" in check


def test_only_the_console_is_published_beyond_the_host(services: dict[str, dict[str, Any]]) -> None:
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}
    assert published == {
        "console": ["8080:8080"],
        # The feeds' push API, for a reverse proxy on the same host.
        "ingest": ["127.0.0.1:8081:8080"],
        # The review, for the same reverse proxy.
        "replay": ["127.0.0.1:8082:8080"],
    }


@pytest.mark.parametrize("name", [*SERVICES, "migrate"])
def test_rules_file_is_mounted_read_only_where_the_setting_points(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    mounts = [v for v in services[name]["volumes"] if isinstance(v, dict) and v["source"] == RULES_SOURCE]
    assert len(mounts) == 1
    assert mounts[0]["target"] == _env(services[name])["SANFANG_RULES_FILE"]
    assert mounts[0]["read_only"] is True
    assert mounts[0]["bind"]["create_host_path"] is False


def test_apps_may_read_only_their_own_notices_and_ack_only_as_themselves() -> None:
    # Notices carry the person's ack token: another app must not read them.
    lines = [
        line.split()
        for line in (DEPLOY / "mosquitto" / "acl.template").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    patterns = [line[1:] for line in lines if line[0] == "pattern"]
    assert patterns == [["read", "sanfang/notices/%u"], ["write", "sanfang/acks/%u"]]
    user = lines.index(["user", "@SERVICES_USER@"])
    assert ["topic", "readwrite", "sanfang/#"] in lines[user:]
    assert not any(line[0] == "topic" for line in lines[:user]), "no topic is open to every user"


def test_bind_mounted_files_exist(services: dict[str, dict[str, Any]]) -> None:
    sources = {
        v["source"]
        for service in services.values()
        for v in service.get("volumes", [])
        if isinstance(v, dict) and v["type"] == "bind"
    }
    assert sources == {RULES_SOURCE, "./mosquitto/mosquitto.conf", "./mosquitto/acl.template"}
    assert (DEPLOY / "mosquitto" / "mosquitto.conf").is_file()
    assert (DEPLOY / "mosquitto" / "acl.template").is_file()
    if not (DEPLOY / RULES_SOURCE).is_file():
        pytest.skip("rules/default.yaml is not in the tree yet; compose refuses to start without it")


def test_postgres_16_keeps_its_data_and_reports_health(services: dict[str, dict[str, Any]]) -> None:
    postgres = services["postgres"]
    env = _env(postgres)
    assert postgres["image"] == "postgres:16"
    assert "postgres-data:/var/lib/postgresql/data" in postgres["volumes"]
    assert env["POSTGRES_USER"] == "sanfang"
    assert env["POSTGRES_DB"] == "sanfang"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_mosquitto_refuses_anonymous_clients_and_persists(
    services: dict[str, dict[str, Any]], mosquitto_conf: dict[str, list[str]]
) -> None:
    assert mosquitto_conf["allow_anonymous"] == ["false"]
    assert mosquitto_conf["persistence"] == ["true"]
    assert mosquitto_conf["listener"] == [_env(services["ingest"])["SANFANG_MQTT_PORT"]]
    (password_file,) = mosquitto_conf["password_file"]
    (store,) = mosquitto_conf["persistence_location"]

    mosquitto = services["mosquitto"]
    assert mosquitto["image"] == "eclipse-mosquitto:2"
    mounts = {(v["target"] if isinstance(v, dict) else v.split(":")[1]): v for v in mosquitto["volumes"]}
    assert mounts["/mosquitto/config/mosquitto.conf"]["source"] == "./mosquitto/mosquitto.conf"
    assert str(PurePosixPath(password_file).parent) in mounts
    assert store.rstrip("/") in mounts
    assert mosquitto["depends_on"] == {"mosquitto-passwd": {"condition": "service_completed_successfully"}}
    assert "-u" in mosquitto["healthcheck"]["test"][1], "the healthcheck logs in like any client"

    writer = services["mosquitto-passwd"]
    assert password_file in " ".join(writer["command"])
    # The access list is written beside the password file, for the services' own user.
    (acl_file,) = mosquitto_conf["acl_file"]
    assert PurePosixPath(acl_file).parent == PurePosixPath(password_file).parent
    assert f"> {acl_file}" in " ".join(writer["command"])
    assert '"s/@SERVICES_USER@/$$MQTT_USERNAME/"' in " ".join(writer["command"])
    password = REQUIRED.fullmatch(_env(writer)["MQTT_PASSWORD"])
    assert password, "the password file is written from the services' own password"
    assert password["name"] == "SANFANG_MQTT_PASSWORD"


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_installs_sanfang_and_runs_it_as_non_root(dockerfile: list[tuple[str, str]]) -> None:
    froms = [args for word, args in dockerfile if word == "FROM"]
    assert froms, "no FROM"
    assert all(args.split()[0] == "python:3.11-slim" for args in froms)
    assert any(re.search(r"\bpip install \.(\s|$)", args) for word, args in dockerfile if word == "RUN")

    last_stage = dockerfile[max(i for i, (word, _) in enumerate(dockerfile) if word == "FROM") :]
    users = [args for word, args in last_stage if word == "USER"]
    assert users, "the final stage sets no USER and so runs as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    entrypoints = [json.loads(args) for word, args in last_stage if word == "ENTRYPOINT"]
    assert entrypoints[-1] == ["sanfang"]


def test_dockerfile_copies_what_pip_install_needs(dockerfile: list[tuple[str, str]]) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    copied = {
        part.rstrip("/")
        for word, args in dockerfile
        if word == "COPY" and "--from" not in args
        for part in args.split()[:-1]
    }
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert {"pyproject.toml", project["project"]["readme"], *packages} <= copied
    assert project["project"]["scripts"]["sanfang"], "the entrypoint is the distribution's script"


# --------------------------------------------------------------------------- Kubernetes


def test_every_manifest_has_a_valid_kind_and_api_version(manifests: list[tuple[str, dict[str, Any]]]) -> None:
    assert manifests
    for path, doc in manifests:
        assert doc["kind"] in API_VERSIONS, f"{path}: unexpected kind {doc['kind']}"
        assert doc["apiVersion"] == API_VERSIONS[doc["kind"]], path
        assert doc["metadata"]["name"], path
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "sanfang", path


def test_manifests_define_the_whole_deployment(manifests: list[tuple[str, dict[str, Any]]]) -> None:
    assert set(_of_kind(manifests, "Namespace")) == {"sanfang"}
    assert set(_of_kind(manifests, "ConfigMap")) == {"sanfang-config"}
    assert set(_of_kind(manifests, "Secret")) == {"sanfang-secrets"}
    assert set(_of_kind(manifests, "Job")) == {"sanfang-migrate"}
    assert set(_of_kind(manifests, "Deployment")) == {f"sanfang-{s}" for s in SERVICES}
    assert "sanfang-console" in _of_kind(manifests, "Service")
    # kubectl apply -f deploy/k8s/ applies *.yaml only: the placeholder Secret must not be
    # one, or every apply would overwrite the real Secret with CHANGE-ME.
    assert [path for path, doc in manifests if doc["kind"] == "Secret"] == ["secret.yaml.example"]


def test_k8s_settings_are_documented_and_secrets_are_placeholders(
    manifests: list[tuple[str, dict[str, Any]]],
) -> None:
    config = _of_kind(manifests, "ConfigMap")["sanfang-config"]["data"]
    secret = _of_kind(manifests, "Secret")["sanfang-secrets"]
    assert "data" not in secret, "the template holds no encoded values"
    assert set(config) | set(secret["stringData"]) == DOCUMENTED
    assert not any(SECRET_NAME.search(key) for key in config)
    assert "SANFANG_DATABASE_URL" in secret["stringData"], "the URL holds the password"
    for key in (
        "SANFANG_MQTT_PASSWORD",
        "SANFANG_SECRET_KEY",
        "SANFANG_INGEST_TOKENS",
        "SANFANG_DATABASE_URL",
    ):
        assert "CHANGE-ME" in secret["stringData"][key], key
    for key, value in COMPOSE_SETTINGS.items():
        if key not in ("SANFANG_KAFKA_BOOTSTRAP", "SANFANG_MQTT_HOST"):
            assert config[key] == value, key


@pytest.mark.parametrize("name", SERVICES)
def test_each_deployment_runs_its_service_within_limits(
    manifests: list[tuple[str, dict[str, Any]]], name: str
) -> None:
    deployment = _of_kind(manifests, "Deployment")[f"sanfang-{name}"]
    pod = deployment["spec"]["template"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod["metadata"]["labels"].items()
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == name

    container = _container(deployment)
    assert container["args"] == ["run", name]
    for bound in ("requests", "limits"):
        assert set(container["resources"][bound]) >= {"cpu", "memory"}, bound
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    assert pod["spec"]["securityContext"]["runAsUser"] != 0
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert {ref.get("configMapRef", ref.get("secretRef"))["name"] for ref in container["envFrom"]} == {
        "sanfang-config",
        "sanfang-secrets",
    }


@pytest.mark.parametrize("name", [*SERVICES, "migrate"])
def test_rules_configmap_is_mounted_where_the_setting_points(
    manifests: list[tuple[str, dict[str, Any]]], name: str
) -> None:
    config = _of_kind(manifests, "ConfigMap")["sanfang-config"]["data"]
    rules_file = PurePosixPath(config["SANFANG_RULES_FILE"])
    workloads = _of_kind(manifests, "Deployment") | _of_kind(manifests, "Job")
    workload = workloads[f"sanfang-{name}"]
    volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
    (mount,) = [m for m in _container(workload)["volumeMounts"] if m["mountPath"] == str(rules_file.parent)]
    config_map = volumes[mount["name"]]["configMap"]
    assert config_map["name"] == "sanfang-rules"
    assert config_map["items"] == [{"key": "rules.yaml", "path": rules_file.name}]


@pytest.mark.parametrize("name", HTTP_SERVICES)
def test_http_deployments_are_probed_on_readyz_and_healthz(
    manifests: list[tuple[str, dict[str, Any]]], name: str
) -> None:
    port = int(_of_kind(manifests, "ConfigMap")["sanfang-config"]["data"]["SANFANG_PORT"])
    container = _container(_of_kind(manifests, "Deployment")[f"sanfang-{name}"])
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": port}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}


def test_rules_runs_alone_and_the_others_twice(manifests: list[tuple[str, dict[str, Any]]]) -> None:
    deployments = _of_kind(manifests, "Deployment")
    assert deployments["sanfang-rules"]["spec"]["replicas"] == 1
    assert deployments["sanfang-rules"]["spec"]["strategy"] == {"type": "Recreate"}
    for name in SERVICES:
        if name != "rules":
            assert deployments[f"sanfang-{name}"]["spec"]["replicas"] == 2, name


def test_migrate_job_runs_once_within_limits(manifests: list[tuple[str, dict[str, Any]]]) -> None:
    job = _of_kind(manifests, "Job")["sanfang-migrate"]
    container = _container(job)
    assert container["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] in ("Never", "OnFailure")
    assert set(container["resources"]["limits"]) >= {"cpu", "memory"}
    images = {_container(d)["image"] for d in _of_kind(manifests, "Deployment").values()}
    assert images == {container["image"]}, "one image for every workload"


def test_console_service_reaches_the_console_pods(manifests: list[tuple[str, dict[str, Any]]]) -> None:
    service = _of_kind(manifests, "Service")["sanfang-console"]
    console = _of_kind(manifests, "Deployment")["sanfang-console"]
    assert service["spec"]["selector"].items() <= console["spec"]["template"]["metadata"]["labels"].items()
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "console"
    port_names = {p["name"] for p in _container(console)["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names


def test_feed_tokens_are_a_secret_every_service_gets_and_the_placeholders_are_refused(
    services: dict[str, dict[str, Any]],
    env_example: dict[str, str],
    manifests: list[tuple[str, dict[str, Any]]],
) -> None:
    # Production refuses to start without SANFANG_INGEST_TOKENS, so every process needs it;
    # a placeholder left in place must stop the start, not open the push API.
    from services.core.errors import ConfigError
    from services.core.settings import Settings

    for name in (*SERVICES, "migrate"):
        assert REQUIRED.fullmatch(_env(services[name])["SANFANG_INGEST_TOKENS"]), name
    secret = _of_kind(manifests, "Secret")["sanfang-secrets"]["stringData"]
    config = _of_kind(manifests, "ConfigMap")["sanfang-config"]["data"]
    assert "SANFANG_INGEST_TOKENS" not in config
    for placeholder in (env_example["SANFANG_INGEST_TOKENS"], secret["SANFANG_INGEST_TOKENS"]):
        with pytest.raises(ConfigError, match="at least 24"):
            Settings(ingest_tokens=placeholder)
