"""Unit tests of the client against a scripted fake coordinator (no Swift executables)."""
from __future__ import annotations

import asyncio
import re
import threading
import time

import pytest

from conftest import ROOT, FakeCoordinator, accepted, error, free_port, pong, result
from magnus_client import (AsyncMagnusClient, Cancelled, CoordinatorUnavailable, DeadlineExceeded, DuplicateId,
                           InputTooLong, InvalidEndpoint, MagnusClient, MagnusError, Overloaded, Result,
                           RetryPolicy, ShuttingDown, validate_endpoint)
from magnus_client.messages import ErrorReply, reply_from_dict
from magnus_client.replies import ReplyBook


def answer_in_reverse_after(count: int):
    """Accepts submits and, once `count` have come, answers them all in reverse order."""
    pending = []

    def handler(message, fake):
        if message["type"] == "ping":
            return [pong(message)]
        if message["type"] != "submit":
            return []
        pending.append(message)
        replies = [accepted(message)]
        if len(pending) == count:
            replies += [result(m) for m in reversed(pending)]
        return replies
    return handler


# wait() keeps the answers of other ids -------------------------------------------------------

def test_wait_keeps_replies_for_ids_it_is_not_waiting_on():
    """Regression: wait([a]) used to drop b's and c's answers read on the way, so a later
    wait([b, c]) raised TimeoutError although both had been answered."""
    with FakeCoordinator(answer_in_reverse_after(3)) as fake, MagnusClient(fake.endpoint) as client:
        a, b, c = (client.submit("gec", "Fix:", text) for text in ("a", "b", "c"))
        assert client.wait([a], timeout=5)[a].text == "a"   # reads c's and b's answers first
        rest = client.wait([b, c], timeout=0.5)             # no new message comes: they were kept
        assert {rest[b].text, rest[c].text} == {"b", "c"}


def test_a_wait_that_times_out_loses_nothing():
    with FakeCoordinator(answer_in_reverse_after(2)) as fake, MagnusClient(fake.endpoint) as client:
        a = client.submit("gec", "Fix:", "a")
        never = "never-submitted"
        with pytest.raises(TimeoutError):
            client.wait([a, never], timeout=0.3)  # a's answer comes only after b's submit
        b = client.submit("gec", "Fix:", "b")
        with pytest.raises(TimeoutError):
            client.wait([a, b, never], timeout=0.3)
        replies = client.wait([a, b], timeout=1)  # what the timed-out wait had collected is back
        assert replies[a].text == "a" and replies[b].text == "b"


def test_async_wait_keeps_replies_for_ids_it_is_not_waiting_on():
    async def scenario(endpoint):
        async with AsyncMagnusClient(endpoint) as client:
            a, b, c = [await client.submit("gec", "Fix:", text) for text in ("a", "b", "c")]
            assert (await client.wait([a], timeout=5))[a].text == "a"
            rest = await client.wait([b, c], timeout=0.5)
            assert {rest[b].text, rest[c].text} == {"b", "c"}

    with FakeCoordinator(answer_in_reverse_after(3)) as fake:
        asyncio.run(scenario(fake.endpoint))


# De-duplication --------------------------------------------------------------------------------

def answer_twice(message, fake):
    if message["type"] == "ping":
        return [pong(message)]
    if message["type"] == "submit":
        return [accepted(message), result(message), result(message, text="a second answer")]
    return []


def test_a_second_final_answer_for_an_answered_id_is_dropped_and_counted():
    with FakeCoordinator(answer_twice) as fake, MagnusClient(fake.endpoint) as client:
        a = client.submit("gec", "Fix:", "first", request_id="dup-a")
        assert client.wait([a], timeout=5)[a].text == "first"
        assert client.ping(timeout=5)  # reads past the second answer
        assert client.duplicates_dropped == 1
        with pytest.raises(TimeoutError):
            client.wait([a], timeout=0.2)  # nothing was kept for it
        # A resubmission of the id is a new submission: its answer is delivered, not dropped.
        client.submit("gec", "Fix:", "first", request_id="dup-a")
        assert client.wait([a], timeout=5)[a].text == "first"
        assert client.ping(timeout=5)
        assert client.duplicates_dropped == 2


def test_async_client_drops_duplicate_final_answers():
    async def scenario(endpoint):
        async with AsyncMagnusClient(endpoint) as client:
            assert (await client.call("gec", "Fix:", "first", request_id="dup-b")).text == "first"
            assert await client.ping(timeout=5)
            assert client.duplicates_dropped == 1

    with FakeCoordinator(answer_twice) as fake:
        asyncio.run(scenario(fake.endpoint))


def test_reply_book_counts_restarts_from_the_incarnation():
    book = ReplyBook()
    assert book.restarts == 0 and book.incarnation is None
    book.add(reply_from_dict({"type": "pong", "nonce": "n", "uptime": 50.0, "incarnation": "00000000000000aa"}))
    book.add(reply_from_dict({"type": "accepted", "id": "a", "incarnation": "00000000000000aa"}))
    assert book.restarts == 0 and book.incarnation == "00000000000000aa"
    # A restart whose new uptime is already past the last one seen: uptime alone misses it.
    book.add(reply_from_dict({"type": "pong", "nonce": "n", "uptime": 80.0, "incarnation": "00000000000000bb"}))
    assert book.restarts == 1 and book.incarnation == "00000000000000bb"
    book.add(reply_from_dict({"type": "result", "id": "a", "text": "A", "incarnation": "00000000000000bb"}))
    assert book.restarts == 1


def test_reply_book_falls_back_on_uptime_without_incarnation():
    book = ReplyBook()
    book.add(reply_from_dict({"type": "pong", "nonce": "n", "uptime": 50.0}))
    book.add(reply_from_dict({"type": "pong", "nonce": "n", "uptime": 60.0}))
    assert book.restarts == 0
    book.add(reply_from_dict({"type": "pong", "nonce": "n", "uptime": 1.0}))
    assert book.restarts == 1


def test_a_stored_answer_given_again_after_a_restart_is_dropped():
    # The id's answer came from one incarnation; a resubmission crossed it in flight and the
    # restarted coordinator gave the stored answer again: the application sees it once.
    book = ReplyBook()
    book.submitted("x")
    assert book.add(reply_from_dict({"type": "result", "id": "x", "text": "X", "incarnation": "a"}))
    assert book.take_final("x").text == "X"
    assert not book.add(reply_from_dict({"type": "result", "id": "x", "text": "X", "incarnation": "b"}))
    assert book.duplicates_dropped == 1 and book.restarts == 1
    assert book.take_final("x") is None


def test_reply_book_rules():
    book = ReplyBook(max_kept=2)
    for request_id in ("a", "b", "c"):
        book.submitted(request_id)
        assert book.add(reply_from_dict({"type": "accepted", "id": request_id}))
        assert book.heard_of(request_id)
    # duplicate_id refuses only the conflicting resubmission: the id stays open for its answer
    assert book.add(reply_from_dict({"type": "error", "id": "a", "code": "duplicate_id", "message": "x"}))
    assert isinstance(book.take_final("a"), ErrorReply)
    assert book.add(reply_from_dict({"type": "result", "id": "a", "text": "A"}))
    assert book.take_final("a").text == "A"
    # kept answers are bounded: the oldest untaken one goes first, counted
    for request_id in ("b", "c"):
        book.add(reply_from_dict({"type": "result", "id": request_id, "text": request_id}))
    book.submitted("d")
    book.add(reply_from_dict({"type": "result", "id": "d", "text": "d"}))
    assert book.kept_dropped == 1 and book.take_final("b") is None and book.take_final("c").text == "c"
    # an abandoned id's late answer is dropped
    book.submitted("e")
    book.abandon("e")
    assert not book.add(reply_from_dict({"type": "result", "id": "e", "text": "late"}))
    assert book.abandoned_dropped == 1 and book.take_final("e") is None
    # receive() order: the oldest reply not handed out, of any kind
    book.add(reply_from_dict({"type": "pong", "nonce": "n"}))
    order = [(reply.type, reply.request_id) for reply in iter(book.take_next, None)]
    assert order == [("accepted", "a"), ("accepted", "b"), ("accepted", "c"), ("result", "d"), ("pong", None)]


# Typed errors ---------------------------------------------------------------------------------

def client_codes_in_protocol_doc():
    """The error codes docs/protocol.md lists for the client socket (or any socket)."""
    text = (ROOT / "docs" / "protocol.md").read_text()
    table = text[text.index("## Error codes"):]
    return [code for code, socket in re.findall(r"^\| `([a-z_]+)` \| ([a-z]+) \|", table, re.M)
            if socket in ("client", "any")]


def test_every_client_error_code_of_the_protocol_has_its_exception():
    codes = client_codes_in_protocol_doc()
    assert "overloaded" in codes and "input_too_long" in codes, codes
    for code in codes:
        exception = MagnusError.from_code(code, "m", "id-1")
        assert type(exception) is not MagnusError, f"no exception class for {code}"
        assert isinstance(exception, MagnusError)
        assert (exception.code, exception.message, exception.request_id) == (code, "m", "id-1")
    assert isinstance(MagnusError.from_code("overloaded"), Overloaded)
    assert isinstance(MagnusError.from_code("deadline_exceeded"), DeadlineExceeded)
    assert isinstance(MagnusError.from_code("shutting_down"), ShuttingDown)
    unknown = MagnusError.from_code("a_code_from_the_future", "later")
    assert type(unknown) is MagnusError and unknown.code == "a_code_from_the_future"


def refuse_with(code):
    def handler(message, fake):
        if message["type"] == "ping":
            return [pong(message)]
        if message["type"] == "submit":
            return [error(message, code, f"refused: {code}")]
        return []
    return handler


def test_call_raises_the_typed_error_of_the_reply():
    with FakeCoordinator(refuse_with("input_too_long")) as fake, MagnusClient(fake.endpoint) as client:
        with pytest.raises(InputTooLong) as caught:
            client.call("gec", "Fix:", "x" * 100, request_id="long-1")
        assert caught.value.code == "input_too_long" and caught.value.request_id == "long-1"
    with FakeCoordinator(refuse_with("brand_new_code")) as fake, MagnusClient(fake.endpoint) as client:
        with pytest.raises(MagnusError) as caught:
            client.call("gec", "Fix:", "x")
        assert type(caught.value) is MagnusError and caught.value.code == "brand_new_code"


def test_a_cancelled_request_raises_cancelled():
    def handler(message, fake):
        if message["type"] == "ping":
            return [pong(message)]
        if message["type"] == "submit":
            return [accepted(message), {"v": 1, "type": "cancelled", "id": message["id"], "cancelled": True}]
        return []
    with FakeCoordinator(handler) as fake, MagnusClient(fake.endpoint) as client:
        with pytest.raises(Cancelled):
            client.call("gec", "Fix:", "x")


# Retries ----------------------------------------------------------------------------------------

def overloaded_for(times: int):
    def handler(message, fake):
        if message["type"] == "ping":
            return [pong(message)]
        if message["type"] == "submit":
            if len(fake.submits()) <= times:
                return [error(message, "overloaded", "the queue is full")]
            return [accepted(message), result(message)]
        return []
    return handler


def test_overloaded_is_retried_with_backoff_under_the_same_id():
    fast = RetryPolicy(retries=3, base_delay=0.02, max_delay=0.05)
    with FakeCoordinator(overloaded_for(2)) as fake, MagnusClient(fake.endpoint, retry=fast) as client:
        started = time.monotonic()
        answer = client.call("gec", "Fix:", "x", request_id="busy-1")
        assert answer.text == "x"
        ids = [m["id"] for m in fake.submits()]
        assert ids == ["busy-1"] * 3
        assert time.monotonic() - started >= 0.01 + 0.02  # waited before each retry
    with FakeCoordinator(overloaded_for(5)) as fake, MagnusClient(fake.endpoint) as client:
        with pytest.raises(Overloaded):
            client.call("gec", "Fix:", "x", retry=RetryPolicy(retries=1, base_delay=0.01))
        assert len(fake.submits()) == 2


def test_async_call_retries_overloaded():
    async def scenario(endpoint):
        async with AsyncMagnusClient(endpoint, retry=RetryPolicy(retries=3, base_delay=0.01)) as client:
            return await client.call("gec", "Fix:", "y")

    with FakeCoordinator(overloaded_for(2)) as fake:
        assert asyncio.run(scenario(fake.endpoint)).text == "y"
        assert len(fake.submits()) == 3


def test_backoff_delays_grow_capped_with_jitter():
    import random
    policy = RetryPolicy(retries=6, base_delay=0.1, max_delay=1.0, rng=random.Random(7))
    delays = list(policy.delays())
    assert len(delays) == 6
    for attempt, delay in enumerate(delays):
        ceiling = min(1.0, 0.1 * 2 ** attempt)
        assert ceiling / 2 <= delay <= ceiling
    assert list(RetryPolicy(retries=0).delays()) == []


# Failing fast, endpoints ----------------------------------------------------------------------

def test_a_client_fails_within_5_s_when_nothing_answers():
    endpoint = f"tcp://127.0.0.1:{free_port()}"  # nobody listens there
    started = time.monotonic()
    with pytest.raises(CoordinatorUnavailable, match=re.escape(f"no coordinator answering at {endpoint}")):
        MagnusClient(endpoint)  # the default connect check
    assert time.monotonic() - started < 5.0


def test_the_async_client_fails_fast_too():
    endpoint = f"tcp://127.0.0.1:{free_port()}"

    async def scenario():
        async with AsyncMagnusClient(endpoint, connect_timeout=0.5):
            pass

    started = time.monotonic()
    with pytest.raises(CoordinatorUnavailable, match="no coordinator answering at"):
        asyncio.run(scenario())
    assert time.monotonic() - started < 5.0


def test_an_unacknowledged_submit_fails_fast():
    """A coordinator that answers pings but never acknowledges (or that died after the connect
    check): call() says so after ack_timeout rather than at its full timeout."""
    def pings_only(message, fake):
        return [pong(message)] if message["type"] == "ping" else []
    with FakeCoordinator(pings_only) as fake, MagnusClient(fake.endpoint, ack_timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(CoordinatorUnavailable, match="was not acknowledged"):
            client.call("gec", "Fix:", "x", timeout=60)
        assert time.monotonic() - started < 2


@pytest.mark.parametrize("endpoint", ["tcp://127.0.0.1:5555", "tcp://localhost:7555", "tcp://[::1]:5555",
                                      "tcp://coordinator.internal:1", "ipc://magnus.sock", "inproc://x"])
def test_valid_endpoints(endpoint):
    assert validate_endpoint(endpoint) == endpoint


@pytest.mark.parametrize("endpoint", ["localhost:7555", "127.0.0.1:5555", "tcp://localhost", "http://x:80",
                                      "tcp://*:5555", "tcp://host:0", "tcp://host:99999", "", "tcp://a b:1"])
def test_invalid_endpoints_are_refused_with_the_form_to_use(endpoint):
    with pytest.raises(InvalidEndpoint) as caught:
        validate_endpoint(endpoint)
    assert "tcp://" in str(caught.value)


def test_host_and_port_without_scheme_gets_the_exact_suggestion():
    with pytest.raises(InvalidEndpoint) as caught:
        MagnusClient("localhost:7555")  # refused before any socket or network
    message = str(caught.value)
    assert "tcp://HOST:PORT" in message and "tcp://localhost:7555" in message


# Replies as values, threads ---------------------------------------------------------------------

def test_results_are_dataclasses_that_also_read_like_dicts():
    with FakeCoordinator() as fake, MagnusClient(fake.endpoint) as client:
        answer = client.call("gec", "Fix:", "He go .")
        assert isinstance(answer, Result)
        assert (answer.text, answer.generated_tokens, answer.worker) == ("He go .", 4, "fake-gpu0")
        assert answer["text"] == answer.text and answer["type"] == "result"
        assert answer.get("missing", 7) == 7 and "batch_id" in answer


def test_the_sync_client_is_safe_to_share_between_threads():
    failures = []
    with FakeCoordinator() as fake, MagnusClient(fake.endpoint) as client:
        def work(thread):
            try:
                for index in range(25):
                    text = f"t{thread}-{index}"
                    if client.call("gec", "Fix:", text, timeout=20).text != text:
                        failures.append(text)
            except Exception as caught:  # noqa: BLE001 - reported below
                failures.append(repr(caught))
        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not failures
        assert len(fake.submits()) == 200 and client.pending_ids == set()


def test_the_async_client_serves_many_concurrent_calls():
    async def scenario(endpoint):
        async with AsyncMagnusClient(endpoint) as client:
            texts = [f"c{n}" for n in range(100)]
            answers = await asyncio.gather(*(client.call("gec", "Fix:", text, timeout=20) for text in texts))
            assert [answer.text for answer in answers] == texts

    with FakeCoordinator() as fake:
        asyncio.run(scenario(fake.endpoint))


def test_duplicate_id_reply_is_a_typed_error():
    with FakeCoordinator(refuse_with("duplicate_id")) as fake, MagnusClient(fake.endpoint) as client:
        with pytest.raises(DuplicateId):
            client.call("gec", "Fix:", "x")
