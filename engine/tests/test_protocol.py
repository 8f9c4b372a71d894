"""The wire protocol on its own: parsing, validation and reply shapes (no model)."""

import json

import pytest

from magnus_engine.protocol import (
    ErrorCode,
    ProtocolError,
    cb_added_reply,
    cb_cancelled_reply,
    cb_events_reply,
    decode,
    encode,
    error_reply,
    failed_event,
    finished_event,
    first_token_event,
    oom_reply,
    parse_cb_add,
    parse_cb_cancel,
    parse_cb_poll,
    parse_count_tokens,
    parse_run,
    progress_event,
    result_reply,
)


def frame(obj) -> list[bytes]:
    return [json.dumps(obj).encode()]


def test_decode_accepts_missing_version_as_v1():
    assert decode(frame({"type": "hello"}))["type"] == "hello"
    assert decode(frame({"v": 1, "type": "hello"}))["type"] == "hello"


@pytest.mark.parametrize(
    "frames, code",
    [
        ([b"not json"], ErrorCode.BAD_JSON),
        ([b"\xff\xfe"], ErrorCode.BAD_JSON),
        ([b"[1, 2]"], ErrorCode.BAD_JSON),
        ([b'{"type": "hello"}', b"second frame"], ErrorCode.BAD_JSON),
        (frame({"v": 2, "type": "hello"}), ErrorCode.UNSUPPORTED_VERSION),
        (frame({"v": "1", "type": "hello"}), ErrorCode.UNSUPPORTED_VERSION),
        (frame({"v": 1}), ErrorCode.BAD_MESSAGE),
        (frame({"v": 1, "type": 7}), ErrorCode.BAD_MESSAGE),
    ],
)
def test_decode_rejects(frames, code):
    with pytest.raises(ProtocolError) as info:
        decode(frames)
    assert info.value.code == code


def test_parse_run_reads_rows_in_order():
    run = parse_run({"type": "run", "batch_id": "b7", "requests": [
        {"id": "a", "prompt": "x", "max_new_tokens": 3},
        {"id": 2, "prompt": "", "max_new_tokens": 1},
    ]})
    assert run.batch_id == "b7"
    assert [(r.id, r.prompt, r.max_new_tokens) for r in run.rows] == [("a", "x", 3), (2, "", 1)]


@pytest.mark.parametrize(
    "message",
    [
        {"type": "run", "requests": [{"id": 1, "prompt": "x", "max_new_tokens": 1}]},
        {"type": "run", "batch_id": 1.5, "requests": [{"id": 1, "prompt": "x", "max_new_tokens": 1}]},
        {"type": "run", "batch_id": 1, "requests": []},
        {"type": "run", "batch_id": 1, "requests": "x"},
        {"type": "run", "batch_id": 1, "requests": [5]},
        {"type": "run", "batch_id": 1, "requests": [{"prompt": "x", "max_new_tokens": 1}]},
        {"type": "run", "batch_id": 1, "requests": [{"id": 1, "prompt": 3, "max_new_tokens": 1}]},
        {"type": "run", "batch_id": 1, "requests": [{"id": 1, "prompt": "x", "max_new_tokens": 0}]},
        {"type": "run", "batch_id": 1, "requests": [{"id": 1, "prompt": "x", "max_new_tokens": True}]},
        {"type": "run", "batch_id": 1, "requests": [{"id": 1, "prompt": "x", "max_new_tokens": "4"}]},
        {"type": "run", "batch_id": 1, "requests": [
            {"id": 1, "prompt": "x", "max_new_tokens": 1}, {"id": 1, "prompt": "y", "max_new_tokens": 1}]},
    ],
)
def test_parse_run_rejects_malformed(message):
    with pytest.raises(ProtocolError) as info:
        parse_run(message)
    assert info.value.code == ErrorCode.BAD_MESSAGE


def test_parse_count_tokens():
    assert parse_count_tokens({"type": "count_tokens", "texts": ["a", "b"]}).texts == ("a", "b")
    assert parse_count_tokens({"type": "count_tokens", "texts": [], "chat": True}).chat is True
    for bad in ({"texts": "a"}, {"texts": [1]}, {}, {"texts": ["a"], "chat": "yes"}):
        with pytest.raises(ProtocolError):
            parse_count_tokens({"type": "count_tokens", **bad})


def test_replies_are_versioned_single_json_objects():
    result = result_reply("b", [{"id": 1, "text": "你好", "generated_tokens": 2, "input_tokens": 5}], 0.25, 9, 2)
    oom = oom_reply("b", 0, 100, 50, 0.001, "kv_budget")
    error = error_reply(ErrorCode.BAD_JSON, "nope")
    for reply in (result, oom, error):
        decoded = json.loads(encode(reply))
        assert decoded["v"] == 1
        assert decoded == reply
    assert "你好".encode() in encode(result)  # non-ASCII text is sent as UTF-8, not escaped
    assert oom["type"] == "oom" and oom["step"] == 0 and oom["required_bytes"] == 100
    assert result["padded_input_tokens"] == 9 and result["wall_seconds"] == 0.25


def test_parse_run_reads_a_continuation():
    run = parse_run({"type": "run", "batch_id": 1, "requests": [
        {"id": "a", "prompt": "x", "max_new_tokens": 3, "continuation": "so far"},
        {"id": "b", "prompt": "y", "max_new_tokens": 3},
    ]})
    assert [r.continuation for r in run.rows] == ["so far", ""]
    with pytest.raises(ProtocolError) as info:
        parse_run({"type": "run", "batch_id": 1, "requests": [
            {"id": "a", "prompt": "x", "max_new_tokens": 3, "continuation": 7}]})
    assert info.value.code == ErrorCode.BAD_MESSAGE


def test_parse_cb_add_reads_rows_like_run():
    add = parse_cb_add({"type": "cb_add", "requests": [
        {"id": "a", "prompt": "x", "max_new_tokens": 3, "continuation": "so far"},
        {"id": 7, "prompt": "", "max_new_tokens": 1},
    ]})
    assert [(r.id, r.prompt, r.max_new_tokens, r.continuation) for r in add.rows] == [
        ("a", "x", 3, "so far"), (7, "", 1, "")]


@pytest.mark.parametrize(
    "requests, needle",
    [
        (None, '"requests"'),
        ([], '"requests"'),
        ("x", '"requests"'),
        ([5], "requests[0] must be an object"),
        ([{"prompt": "x", "max_new_tokens": 1}], 'requests[0]."id"'),
        ([{"id": 1.5, "prompt": "x", "max_new_tokens": 1}], 'requests[0]."id"'),
        ([{"id": True, "prompt": "x", "max_new_tokens": 1}], 'requests[0]."id"'),
        ([{"id": 1, "max_new_tokens": 1}], 'requests[0]."prompt"'),
        ([{"id": 1, "prompt": 3, "max_new_tokens": 1}], 'requests[0]."prompt"'),
        ([{"id": 1, "prompt": "x"}], 'requests[0]."max_new_tokens"'),
        ([{"id": 1, "prompt": "x", "max_new_tokens": 0}], 'requests[0]."max_new_tokens"'),
        ([{"id": 1, "prompt": "x", "max_new_tokens": True}], 'requests[0]."max_new_tokens"'),
        ([{"id": 1, "prompt": "x", "max_new_tokens": "4"}], 'requests[0]."max_new_tokens"'),
        ([{"id": 1, "prompt": "x", "max_new_tokens": 1, "continuation": 7}], 'requests[0]."continuation"'),
        ([{"id": 1, "prompt": "x", "max_new_tokens": 1}, {"id": 1, "prompt": "y", "max_new_tokens": 1}],
         'requests[1]."id" 1 appears twice in the message'),
    ],
)
def test_parse_cb_add_rejects_malformed(requests, needle):
    message = {"type": "cb_add"} if requests is None else {"type": "cb_add", "requests": requests}
    with pytest.raises(ProtocolError) as info:
        parse_cb_add(message)
    assert info.value.code == ErrorCode.BAD_MESSAGE
    assert needle in info.value.message


def test_parse_cb_poll():
    assert parse_cb_poll({"type": "cb_poll", "wait_ms": 0}).wait_ms == 0
    assert parse_cb_poll({"type": "cb_poll", "wait_ms": 5000}).wait_ms == 5000
    for bad in ({}, {"wait_ms": -1}, {"wait_ms": 5001}, {"wait_ms": True}, {"wait_ms": "10"}, {"wait_ms": 1.5},
                {"wait_ms": None}):
        with pytest.raises(ProtocolError) as info:
            parse_cb_poll({"type": "cb_poll", **bad})
        assert info.value.code == ErrorCode.BAD_MESSAGE and '"wait_ms"' in info.value.message


def test_parse_cb_cancel():
    assert parse_cb_cancel({"type": "cb_cancel", "ids": ["a", 2]}).ids == ("a", 2)
    for bad, needle in [({}, '"ids"'), ({"ids": []}, '"ids"'), ({"ids": "a"}, '"ids"'),
                        ({"ids": ["a", 1.5]}, "ids[1]"), ({"ids": [True]}, "ids[0]"), ({"ids": [None]}, "ids[0]")]:
        with pytest.raises(ProtocolError) as info:
            parse_cb_cancel({"type": "cb_cancel", **bad})
        assert info.value.code == ErrorCode.BAD_MESSAGE and needle in info.value.message


def test_continuous_replies_and_events():
    events = [
        first_token_event("a", 0.1234567),
        progress_event("a", 16),
        finished_event("a", "你好", 17, True, 40, 1.5, preemptions=1),
        finished_event(2, "cut", 8, False, 12, 0.5),
        failed_event("b", ErrorCode.OUT_OF_MEMORY, "DefaultCPUAllocator: can't allocate memory"),
    ]
    assert events[0] == {"event": "first_token", "id": "a", "after_s": 0.123457}
    assert events[1] == {"event": "progress", "id": "a", "generated_tokens": 16}
    assert progress_event("a", 16, "你") == {"event": "progress", "id": "a", "generated_tokens": 16, "text": "你"}
    assert events[2] == {"event": "finished", "id": "a", "text": "你好", "generated_tokens": 17, "finished": True,
                         "finish_reason": "eos", "input_tokens_seen": 40, "wall_seconds": 1.5, "preemptions": 1}
    assert events[3]["finished"] is False and events[3]["finish_reason"] == "length"
    assert events[4] == {"event": "failed", "id": "b", "code": "out_of_memory",
                         "message": "DefaultCPUAllocator: can't allocate memory"}
    added = cb_added_reply(["a", 2], 1, 1)
    polled = cb_events_reply(events, 1, 0, 64, 1024)
    cancelled = cb_cancelled_reply(["a"], [9])
    assert added == {"v": 1, "type": "cb_added", "ids": ["a", 2], "running": 1, "waiting": 1}
    assert polled["type"] == "cb_events" and polled["events"] == events
    assert (polled["running"], polled["waiting"], polled["kv_used_tokens"], polled["kv_capacity_tokens"]) == (
        1, 0, 64, 1024)
    assert cancelled == {"v": 1, "type": "cb_cancelled", "ids": ["a"], "unknown_ids": [9]}
    for reply in (added, polled, cancelled):
        assert json.loads(encode(reply)) == reply
    assert "你好".encode() in encode(polled)
