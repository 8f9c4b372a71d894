"""End-to-end test of the Python client against the real executables on loopback."""
import signal
import subprocess
import time

import pytest

from conftest import BUILD, free_port  # conftest puts clients/python on the path
from magnus_client import CoordinatorUnavailable, MagnusClient, MagnusError


@pytest.fixture(scope="module")
def cluster():
    coordinator = BUILD / "magnus-coordinator"
    worker = BUILD / "magnus-worker"
    if not coordinator.exists() or not worker.exists():
        pytest.fail(f"build the executables first (swift build); not found in {BUILD}")
    ports = [free_port() for _ in range(3)]
    client_ep, worker_ep, status_ep = (f"tcp://127.0.0.1:{p}" for p in ports)
    processes = [subprocess.Popen(
        [str(coordinator), "--client-endpoint", client_ep, "--worker-endpoint", worker_ep,
         "--status-endpoint", status_ep, "--log-level", "warning", "--exit-with-parent"],
        start_new_session=True)]
    try:
        for gpu in range(2):
            processes.append(subprocess.Popen(
                [str(worker), "--coordinator", worker_ep, "--gpu", str(gpu), "--id", f"py-gpu{gpu}",
                 "--time-scale", "200", "--log-level", "warning", "--exit-with-parent"],
                start_new_session=True))
        yield client_ep
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_results_come_back_for_every_request(cluster):
    with MagnusClient(cluster) as client:
        assert client.ping(timeout=10)
        ids = [client.submit("gec", "Correct the grammatical errors in the following sentence:",
                             f"She have {i} apples .", request_id=f"py-{i}") for i in range(40)]
        replies = client.wait(ids, timeout=60)
        assert set(replies) == set(ids)
        assert all(reply["type"] == "result" for reply in replies.values())
        assert all(reply["generated_tokens"] >= 1 and reply["text"] for reply in replies.values())


def test_resubmitting_a_finished_id_returns_the_stored_result(cluster):
    with MagnusClient(cluster) as client:
        first = client.call("detox", "Rewrite politely:", "this is dumb", request_id="py-idem")
        second = client.call("detox", "Rewrite politely:", "this is dumb", request_id="py-idem")
        assert second["text"] == first["text"] and second["generated_tokens"] == first["generated_tokens"]


def test_same_id_with_other_content_is_refused(cluster):
    with MagnusClient(cluster) as client:
        client.call("detox", "Rewrite politely:", "first text", request_id="py-dup")
        with pytest.raises(MagnusError) as error:
            client.call("detox", "Rewrite politely:", "different text", request_id="py-dup")
        assert error.value.code == "duplicate_id"


def test_malformed_message_gets_an_error_reply(cluster):
    with MagnusClient(cluster) as client:
        client._socket.send(b"{not json")
        reply = client.receive(timeout=10)
        assert reply is not None and reply["type"] == "error"
        assert reply["code"] == "malformed_message"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """Keypairs written by `magnus keygen` for a coordinator, a listed client and a stranger."""
    folder = tmp_path_factory.mktemp("keys")
    for name in ("coordinator", "alice", "mallory"):
        subprocess.run([str(BUILD / "magnus"), "keygen", "--out", str(folder), name], check=True,
                       stdout=subprocess.DEVNULL)
    return folder


@pytest.fixture(scope="module")
def secured(keys):
    ports = [free_port() for _ in range(3)]
    client_ep, worker_ep, status_ep = (f"tcp://127.0.0.1:{p}" for p in ports)
    processes = [subprocess.Popen(
        [str(BUILD / "magnus-coordinator"), "--client-endpoint", client_ep, "--worker-endpoint", worker_ep,
         "--status-endpoint", status_ep, "--curve-secret-key-file", str(keys / "coordinator.key"),
         "--client-keys", str(keys / "alice.pub"), "--worker-keys", str(keys / "alice.pub"),
         "--log-level", "error", "--exit-with-parent"], start_new_session=True)]
    try:
        yield client_ep
    finally:
        processes[0].send_signal(signal.SIGTERM)
        try:
            processes[0].wait(timeout=10)
        except subprocess.TimeoutExpired:
            processes[0].kill()
            processes[0].wait()


def test_curve_client_with_a_listed_key_is_answered_and_a_stranger_is_not(secured, keys):
    with MagnusClient(secured, curve_secret_key_file=str(keys / "alice.key"),
                      coordinator_key=str(keys / "coordinator.pub")) as client:
        assert client.ping(timeout=10)
    # A refused peer hears nothing at all: the client's connect check says so within its timeout.
    with pytest.raises(CoordinatorUnavailable, match="no coordinator answering at"):
        MagnusClient(secured, curve_secret_key_file=str(keys / "mallory.key"),
                     coordinator_key=str(keys / "coordinator.pub"), connect_timeout=1)
    with pytest.raises(CoordinatorUnavailable):
        MagnusClient(secured, connect_timeout=1)
    with MagnusClient(secured, connect_timeout=None) as lazy:  # no check: ZeroMQ's lazy connect
        assert not lazy.ping(timeout=1)


def test_secret_key_files_readable_by_others_are_refused(keys, tmp_path):
    loose = tmp_path / "loose.key"
    loose.write_text((keys / "alice.key").read_text())
    loose.chmod(0o644)
    with pytest.raises(PermissionError):
        MagnusClient("tcp://127.0.0.1:1", curve_secret_key_file=str(loose),
                     coordinator_key=str(keys / "coordinator.pub"))
