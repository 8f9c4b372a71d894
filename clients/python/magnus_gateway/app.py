"""The HTTP application: routes, authentication, errors, streaming, metrics."""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
import uuid
import weakref
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable, Dict, List, Optional

import zmq.asyncio
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from magnus_client import AsyncMagnusClient
from magnus_client.keys import curve_keys

from .config import GatewayConfig
from .generation import Generator, Piece
from .metrics import GatewayMetrics
from .openai_api import (GatewayError, ParsedRequest, completion_body, invalid, model_body, models_body,
                         parse_chat, parse_completion, request_ids, stream_chunk, usage, usage_chunk)
from .status_stream import StatusSubscriber, StatusView

log = logging.getLogger("magnus_gateway")

#: Largest request body read, bytes (the coordinator's own default limit is 1 MiB a message).
MAX_BODY_BYTES = 4 * 1024 * 1024


class Gateway:
    """What the routes share: the coordinator client, the status view, the metrics."""

    def __init__(self, config: GatewayConfig):
        self.config = config
        self.view = StatusView()
        self.metrics = GatewayMetrics(self.view, config.status_stale_after)
        self.started = int(time.time())
        self.context: Optional[zmq.asyncio.Context] = None
        self.client: Optional[AsyncMagnusClient] = None
        self.generator: Optional[Generator] = None
        self.subscriber: Optional[StatusSubscriber] = None

    async def start(self) -> None:
        config = self.config
        self.context = zmq.asyncio.Context()
        self.client = AsyncMagnusClient(config.coordinator, context=self.context,
                                        curve_secret_key_file=config.curve_secret_key_file,
                                        coordinator_key=config.coordinator_key, connect_timeout=None,
                                        ack_timeout=config.ack_timeout)
        await self.client.start()
        self.generator = Generator(self.client, config.request_timeout, config.overload_retries)
        if config.status is not None:
            keys = curve_keys(config.curve_secret_key_file, config.coordinator_key) \
                if config.status_auth == "curve" else None
            self.subscriber = StatusSubscriber(config.status, self.view, self.context, keys)
            self.subscriber.start()
        pong = await self.client.ping_info(config.ready_timeout)
        if pong is None:
            log.warning("no coordinator answering at %s yet; /ready says 503 until one does", config.coordinator)
        else:
            log.info("coordinator at %s: %d workers, queue %d", config.coordinator, pong.workers, pong.queue_depth)

    async def close(self) -> None:
        if self.subscriber is not None:
            await self.subscriber.close()
        if self.client is not None:
            await self.client.close()
        if self.context is not None:
            self.context.term()

    def authorize(self, request: Request) -> str:
        """The caller's API key ("" when the gateway has none); GatewayError 401 otherwise."""
        keys = self.config.api_keys
        if not keys:
            return ""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise GatewayError(401, "unauthorized", "missing API key: send the header 'Authorization: Bearer KEY'",
                               type="authentication_error", headers={"WWW-Authenticate": "Bearer"})
        matched = False
        for key in keys:  # compare with every key, in constant time each
            matched |= hmac.compare_digest(token.encode(), key.encode())
        if not matched:
            raise GatewayError(401, "unauthorized", "invalid API key", type="authentication_error",
                               headers={"WWW-Authenticate": "Bearer"})
        return token


class CountRequests:
    """ASGI middleware counting every HTTP answer by method, route template and status."""

    def __init__(self, app: Callable, metrics: GatewayMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def send_counting(message: Dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counting)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.http_requests.labels(scope.get("method", ""), route, str(status["code"])).inc()


def _sse(data: Any) -> bytes:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode("utf-8")


def create_app(config: GatewayConfig) -> FastAPI:
    gateway = Gateway(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await gateway.start()
        try:
            yield
        finally:
            await gateway.close()

    app = FastAPI(title="Magnus HTTP gateway", version="1", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.gateway = gateway
    app.add_middleware(CountRequests, metrics=gateway.metrics)

    @app.exception_handler(GatewayError)
    async def gateway_error(_: Request, error: GatewayError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status, headers=error.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        body = GatewayError(error.status_code, code, str(error.detail)).body()
        return JSONResponse(body, status_code=error.status_code, headers=getattr(error, "headers", None))

    def authorized(request: Request) -> str:
        return gateway.authorize(request)

    async def read_json(request: Request) -> Any:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise GatewayError(413, "payload_too_large", f"the body exceeds {MAX_BODY_BYTES} bytes")
        try:
            return json.loads(body)
        except (UnicodeDecodeError, ValueError):
            raise invalid("the body is not valid JSON") from None

    async def serve(request: Request, tenant: str, parse: Callable[..., ParsedRequest], endpoint: str) -> Response:
        started = time.monotonic()
        parsed = parse(await read_json(request), config.models)
        ids = request_ids(len(parsed.jobs), request.headers.get("idempotency-key"), tenant, uuid.uuid4().hex)
        for job, request_id in zip(parsed.jobs, ids):
            job.request_id = request_id
        created = int(time.time())
        metrics = gateway.metrics
        assert gateway.generator is not None
        generator = gateway.generator
        metrics.in_flight.labels(endpoint).inc()

        finished = False

        def finish(results: List[Any]) -> None:
            nonlocal finished
            if finished:
                return
            finished = True
            metrics.in_flight.labels(endpoint).dec()
            metrics.request_duration.labels(endpoint).observe(time.monotonic() - started)
            if results:
                counts = usage(results)
                metrics.tokens.labels(endpoint, "prompt").inc(counts["prompt_tokens"])
                metrics.tokens.labels(endpoint, "completion").inc(counts["completion_tokens"])

        headers = {"X-Request-Id": ids[0]}
        if not parsed.stream:
            results: List[Any] = []
            try:
                results = list(await asyncio.gather(*(generator.run(job) for job in parsed.jobs)))
                # Non-streaming: the first token reaches the caller with the whole answer.
                metrics.time_to_first_token.labels(endpoint).observe(time.monotonic() - started)
            finally:
                finish(results)
            return JSONResponse(completion_body(parsed, results, created), headers=headers)

        job = parsed.jobs[0]
        pieces = generator.pieces(job).__aiter__()
        try:
            # The first piece before the response starts: an error until then is a real HTTP status.
            first: Piece = await pieces.__anext__()
        except BaseException:
            finish([])
            raise
        metrics.time_to_first_token.labels(endpoint).observe(time.monotonic() - started)

        async def events() -> AsyncIterator[bytes]:
            piece: Optional[Piece] = first
            last: Optional[Piece] = None
            done = False
            try:
                is_first = True
                while piece is not None:
                    yield _sse(stream_chunk(parsed, created, piece.text, piece.result, is_first))
                    is_first, last = False, piece
                    if piece.result is not None:
                        break
                    try:
                        piece = await pieces.__anext__()
                    except StopAsyncIteration:
                        piece = None
                    except GatewayError as error:  # after the first token: reported in the stream
                        yield _sse(error.body())
                        piece = None
                if parsed.include_usage and last is not None and last.result is not None:
                    yield _sse(usage_chunk(parsed, created, last.result))
                yield b"data: [DONE]\n\n"
                done = True
            finally:
                finish([last.result] if last is not None and last.result is not None else [])
                if not done:  # the caller went away mid-stream: withdraw the request if still queued
                    try:
                        asyncio.ensure_future(generator.cancel(job))
                    except RuntimeError:  # finalized outside the event loop
                        pass

        stream = events()
        # A caller gone before the first chunk means the generator never starts (and never runs
        # its finally): count the request as finished when the stream object goes away.
        weakref.finalize(stream, finish, [])
        return StreamingResponse(stream, media_type="text/event-stream",
                                 headers={**headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.post("/v1/completions")
    async def completions(request: Request, tenant: str = Depends(authorized)) -> Response:
        return await serve(request, tenant, parse_completion, "/v1/completions")

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request, tenant: str = Depends(authorized)) -> Response:
        return await serve(request, tenant, parse_chat, "/v1/chat/completions")

    @app.get("/v1/models")
    async def list_models(_: str = Depends(authorized)) -> Dict[str, Any]:
        return models_body(config.models, gateway.started)

    @app.get("/v1/models/{model}")
    async def get_model(model: str, _: str = Depends(authorized)) -> Dict[str, Any]:
        if model not in config.models:
            raise GatewayError(404, "model_not_found", f"the model '{model}' does not exist", param="model")
        return model_body(model, gateway.started)

    @app.get("/health")
    async def health() -> Dict[str, Any]:
        return {"status": "ok"}

    @app.get("/ready")
    async def ready() -> JSONResponse:
        assert gateway.client is not None
        pong = await gateway.client.ping_info(config.ready_timeout)
        if pong is None:
            reason = f"no coordinator answering at {config.coordinator} within {config.ready_timeout:g} s"
        elif pong.draining:
            reason = "the coordinator is draining"
        elif pong.workers < 1:
            reason = "the coordinator has no worker"
        else:
            return JSONResponse({"ready": True, "workers": pong.workers, "queue_depth": pong.queue_depth})
        body: Dict[str, Any] = {"ready": False, "reason": reason}
        if pong is not None:
            body.update(workers=pong.workers, queue_depth=pong.queue_depth, draining=pong.draining)
        return JSONResponse(body, status_code=503)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(gateway.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
