"""/metrics: the coordinator's status (from its status stream) and the gateway's own requests,
in the Prometheus text format. The metric list is in docs/http-gateway.md."""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, Iterable, Optional

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from .status_stream import StatusView

#: Request latency buckets, seconds: LLM answers take from milliseconds (simulated) to minutes.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

WORKER_STATES = ("connected", "idle", "busy", "running", "down")

# snapshot field -> (metric name without _total, help) for the coordinator's running totals
_TOTALS = {
    "completed": ("magnus_requests_completed", "Requests answered with a result since the coordinator started."),
    "failed": ("magnus_requests_failed", "Accepted requests that failed for good since the coordinator started."),
    "oom_count": ("magnus_oom", "Batches that ran out of GPU memory."),
    "split_count": ("magnus_batch_splits", "Batches split in two after running out of memory."),
    "requeue_count": ("magnus_requeues", "Batches sent back to the queue (lost worker, fault)."),
    "workers_lost": ("magnus_workers_lost", "Workers declared lost after a heartbeat timeout."),
    "continuation_count": ("magnus_continuations",
                           "Requests stopped at a batch's generation cap and continued later (magnus-ua)."),
    "preemption_count": ("magnus_preemptions",
                         "Requests preempted by continuous workers and queued again (continuous policies)."),
}

# snapshot field -> (metric name, help) for the coordinator's instantaneous values
_GAUGES = {
    "queue_depth": ("magnus_queue_depth", "Requests waiting in the queue."),
    "queued_batches": ("magnus_queued_batches", "Batches waiting in the queue."),
    "running_batches": ("magnus_running_batches", "Batches running on workers."),
    "throughput": ("magnus_throughput_requests_per_second", "Results per second over the status window."),
    "token_throughput": ("magnus_token_throughput_tokens_per_second",
                         "Generated tokens per second over the status window."),
    "predictor_mae": ("magnus_predictor_mae_tokens",
                      "Mean absolute error of the predicted generation length over recent completions."),
    "predictor_samples": ("magnus_predictor_samples", "Completions the predictor MAE is computed over."),
    "window": ("magnus_status_window_seconds", "The window of the throughput and latency figures."),
    "time": ("magnus_coordinator_uptime_seconds", "Seconds since the coordinator started."),
}


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    return None


class StatusCollector:
    """A Prometheus collector reading the latest status snapshot at each scrape."""

    def __init__(self, view: StatusView, stale_after: float, clock: Callable[[], float] = time.monotonic):
        self.view = view
        self.stale_after = stale_after
        self.clock = clock

    def describe(self) -> Iterable[Metric]:
        return []  # values depend on the stream; nothing to register up front

    def collect(self) -> Iterable[Metric]:
        view = self.view
        age = None if view.received_at is None else max(0.0, self.clock() - view.received_at)
        up = GaugeMetricFamily("magnus_status_up",
                               "1 when a status snapshot arrived within the staleness limit, else 0.")
        up.add_metric([], 1.0 if age is not None and age <= self.stale_after else 0.0)
        yield up
        events = CounterMetricFamily("magnus_status_events", "Status events received since the gateway started, "
                                     "by kind.", labels=["kind"])
        for kind, count in sorted(view.events.items()):
            events.add_metric([kind], float(count))
        yield events
        snapshot = view.snapshot
        if snapshot is None or age is None:
            return
        stale = GaugeMetricFamily("magnus_status_snapshot_age_seconds", "Seconds since the latest status snapshot.")
        stale.add_metric([], age)
        yield stale
        for key, (name, help_text) in _GAUGES.items():
            value = _number(snapshot.get(key))
            if value is not None:
                gauge = GaugeMetricFamily(name, help_text)
                gauge.add_metric([], value)
                yield gauge
        draining = GaugeMetricFamily("magnus_draining", "1 while the coordinator drains.")
        draining.add_metric([], 1.0 if snapshot.get("draining") is True else 0.0)
        yield draining
        for key, (name, help_text) in _TOTALS.items():
            value = _number(snapshot.get(key))
            if value is not None:
                counter = CounterMetricFamily(name, help_text)
                counter.add_metric([], value)
                yield counter
        errors = CounterMetricFamily("magnus_errors", "Error replies the coordinator sent, by code.", labels=["code"])
        codes = snapshot.get("errors")
        if isinstance(codes, dict):
            for code, count in sorted(codes.items()):
                value = _number(count)
                if value is not None:
                    errors.add_metric([str(code)], value)
        yield errors
        workers = snapshot.get("workers") if isinstance(snapshot.get("workers"), list) else []
        by_state: Dict[str, int] = {state: 0 for state in WORKER_STATES}
        batches = CounterMetricFamily("magnus_worker_completed_batches", "Batches each worker completed.",
                                      labels=["worker"])
        sequences = GaugeMetricFamily("magnus_worker_running_sequences",
                                      "Requests each continuous worker runs (continuous policies).", labels=["worker"])
        kv_use = GaugeMetricFamily("magnus_worker_kv_reserved_ratio",
                                   "Share of each continuous worker's KV cache the coordinator plans for its requests.",
                                   labels=["worker"])
        for worker in workers:
            if not isinstance(worker, dict):
                continue
            continuous = worker.get("continuous")
            if isinstance(continuous, dict) and isinstance(worker.get("worker"), str):
                running = _number(continuous.get("running_sequences"))
                reserved = _number(continuous.get("reserved_tokens"))
                capacity = _number(continuous.get("capacity_tokens"))
                if running is not None:
                    sequences.add_metric([worker["worker"]], running)
                if reserved is not None and capacity:
                    kv_use.add_metric([worker["worker"]], reserved / capacity)
            state = worker.get("state")
            if isinstance(state, str):
                by_state[state] = by_state.get(state, 0) + 1
            completed = _number(worker.get("completed_batches"))
            if isinstance(worker.get("worker"), str) and completed is not None:
                batches.add_metric([worker["worker"]], completed)
        states = GaugeMetricFamily("magnus_workers", "Workers by state (down: left or lost within the last minute).",
                                   labels=["state"])
        for state, count in sorted(by_state.items()):
            states.add_metric([state], float(count))
        yield states
        yield batches
        yield sequences
        yield kv_use
        latency = snapshot.get("latency")
        if isinstance(latency, dict):
            window = GaugeMetricFamily("magnus_response_time_window_seconds",
                                       "Response-time percentiles (p50, p95, p99) of the results in the status window.",
                                       labels=["percentile"])
            for key in ("p50", "p95", "p99"):
                value = _number(latency.get(key))
                if value is not None:
                    window.add_metric([key], value / 1000.0)
            yield window
            samples = _number(latency.get("samples"))
            if samples is not None:
                gauge = GaugeMetricFamily("magnus_response_time_window_samples",
                                          "Results the response-time percentiles are computed over.")
                gauge.add_metric([], samples)
                yield gauge


class GatewayMetrics:
    """The gateway's own metrics, in one registry with the status collector."""

    def __init__(self, view: StatusView, stale_after: float):
        # No `*_created` series beside each counter and histogram: they double the scrape for
        # no use here (a process-wide switch, in prometheus_client >= 0.17).
        disable_created = getattr(prometheus_client, "disable_created_metrics", None)
        if disable_created is not None:
            disable_created()
        self.registry = CollectorRegistry()
        self.registry.register(StatusCollector(view, stale_after))
        self.request_duration = Histogram(
            "magnus_gateway_request_duration_seconds",
            "Completion requests from arrival to the last byte of the answer, by endpoint.",
            ["endpoint"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.time_to_first_token = Histogram(
            "magnus_gateway_time_to_first_token_seconds",
            "Completion requests from arrival to their first generated text, by endpoint (streamed from "
            "continuous workers: the first piece; non-streaming, or static workers: the whole answer).",
            ["endpoint"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.http_requests = Counter(
            "magnus_gateway_http_requests", "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"], registry=self.registry)
        self.tokens = Counter(
            "magnus_gateway_tokens", "Tokens of the answered completion requests, by endpoint and kind "
            "(prompt, completion).", ["endpoint", "kind"], registry=self.registry)
        self.in_flight = Gauge("magnus_gateway_requests_in_flight", "Completion requests being served.",
                               ["endpoint"], registry=self.registry)
