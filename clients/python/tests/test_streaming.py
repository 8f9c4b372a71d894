"""Streaming (`stream=True`, `partial` replies): the joiner, the reply book, and both clients
against a scripted coordinator."""
from __future__ import annotations

import asyncio

import pytest

from conftest import FakeCoordinator, accepted, pong, result
from magnus_client import AsyncMagnusClient, MagnusClient, Overloaded, RetryPolicy
from magnus_client.messages import Partial, reply_from_dict, submit_message
from magnus_client.replies import ReplyBook
from magnus_client.streaming import StreamedText


def partial(message: dict, text: str, offset: int, tokens: int) -> dict:
    return {"v": 1, "type": "partial", "id": message["id"], "text": text, "offset": offset,
            "generated_tokens": tokens}


def piece(text: str, offset: int) -> Partial:
    return Partial(type="partial", id="a", text=text, offset=offset, generated_tokens=1)


def test_the_joiner_keeps_order_and_notices_a_gap():
    joiner = StreamedText()
    assert joiner.add(piece("你好", 0)) == "你好"          # offsets count UTF-8 bytes
    assert joiner.add(piece(" world", 6)) == " world"
    assert joiner.add(piece("你好", 0)) is None             # a repeat (after a resubmission)
    assert joiner.remainder("你好 world!") == "!"
    assert joiner.remainder("other text") is None
    assert joiner.add(piece("?", 99)) is None and joiner.has_gap  # a missed piece
    assert joiner.add(piece("!", 12)) is None                     # nothing joins after a gap
    assert joiner.remainder("你好 world!") == "!"                  # the result fills it in


def test_submit_asks_for_streaming_only_when_told():
    import json
    assert "stream" not in json.loads(submit_message("a", "gec", "Fix:", "x"))
    assert json.loads(submit_message("a", "gec", "Fix:", "x", stream=True))["stream"] is True


def test_the_reply_book_keeps_pieces_of_open_ids_apart_and_in_order():
    book = ReplyBook(max_partials=2)
    book.submitted("a")
    stray = reply_from_dict({"type": "partial", "id": "zzz", "text": "x", "offset": 0, "generated_tokens": 1})
    assert not book.add(stray) and book.partials_dropped == 1      # not an open id
    for offset, text in ((0, "a"), (1, "b"), (2, "c")):
        book.add(reply_from_dict({"type": "partial", "id": "a", "text": text, "offset": offset,
                                  "generated_tokens": offset + 1}))
    assert book.partials_dropped == 2                                 # the oldest beyond max_partials
    book.add(reply_from_dict({"type": "result", "id": "a", "text": "abcd"}))
    assert book.take_next() is not None and book.take_next() is None  # receive() sees only the result
    book.submitted("b")
    book.add(reply_from_dict({"type": "partial", "id": "b", "text": "x", "offset": 0, "generated_tokens": 1}))
    book.add(reply_from_dict({"type": "result", "id": "b", "text": "xy"}))
    assert [r.type for r in (book.take_streamed("b"), book.take_streamed("b"))] == ["partial", "result"]
    assert book.take_streamed("b") is None


def streams_in_pieces(message: dict, fake) -> list:
    if message["type"] == "ping":
        return [pong(message)]
    if message["type"] != "submit":
        return []
    if not message.get("stream"):
        return [accepted(message), result(message, text="Once upon a time.")]
    return [accepted(message), partial(message, "Once", 0, 1), partial(message, " upon", 4, 2),
            result(message, text="Once upon a time.")]


def test_the_sync_client_streams_pieces_then_the_result():
    with FakeCoordinator(streams_in_pieces) as fake, MagnusClient(fake.endpoint) as client:
        pieces = list(client.stream("chat", "", "Tell me a story."))
        assert [p.text for p in pieces] == ["Once", " upon", " a time."]
        assert pieces[-1].last and pieces[-1].consistent and pieces[-1].result.text == "Once upon a time."
        assert fake.submits()[-1]["stream"] is True
        # call() does not ask for pieces.
        assert client.call("chat", "", "again").text == "Once upon a time."
        assert "stream" not in fake.submits()[-1]


def test_the_async_client_streams_pieces_then_the_result():
    async def scenario(endpoint):
        async with AsyncMagnusClient(endpoint) as client:
            return [p async for p in client.stream("chat", "", "Tell me a story.")]

    with FakeCoordinator(streams_in_pieces) as fake:
        pieces = asyncio.run(scenario(fake.endpoint))
    assert "".join(p.text for p in pieces) == "Once upon a time."
    assert len(pieces) == 3 and pieces[-1].result is not None


def test_a_stream_retries_overloaded_before_any_text_and_raises_typed_errors():
    refused = []

    def handler(message, fake):
        if message["type"] == "ping":
            return [pong(message)]
        if message["type"] != "submit":
            return []
        if len(refused) < 2:
            refused.append(message["id"])
            return [{"v": 1, "type": "error", "id": message["id"], "code": "overloaded", "message": "busy"}]
        return streams_in_pieces(message, fake)

    fast = RetryPolicy(retries=3, base_delay=0.01, max_delay=0.02)
    with FakeCoordinator(handler) as fake, MagnusClient(fake.endpoint, retry=fast) as client:
        pieces = list(client.stream("chat", "", "story", request_id="s-1"))
        assert "".join(p.text for p in pieces) == "Once upon a time."
        assert [m["id"] for m in fake.submits()] == ["s-1"] * 3
    with FakeCoordinator(lambda m, f: [pong(m)] if m["type"] == "ping" else [
            {"v": 1, "type": "error", "id": m.get("id"), "code": "overloaded", "message": "busy"}]) as fake:
        with MagnusClient(fake.endpoint, retry=RetryPolicy(retries=0)) as client:
            with pytest.raises(Overloaded):
                list(client.stream("chat", "", "story"))
