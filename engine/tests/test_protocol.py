"""The wire protocol on its own: parsing, validation and reply shapes (no model)."""

import json

import pytest

from magnus_engine.protocol import (
    ErrorCode,
    ProtocolError,
    decode,
    encode,
    error_reply,
    oom_reply,
    parse_count_tokens,
    parse_run,
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
