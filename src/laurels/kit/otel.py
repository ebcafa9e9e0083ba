"""Whether FastAPI's own OpenTelemetry instrumentation runs.

FastAPI (0.163) records a span, metrics and logs for every request when the
process has an OpenTelemetry provider, and to know that it looks the three
global providers up on every request — 2 to 3.5% of a read's CPU in py-spy
(bench/inprocess.py and a server under bench/http.py's load), an environment
lookup among it. Providers are configured before the app is created
(``opentelemetry-instrument laurels serve`` does so first), so Laurels asks
once, as the app is created: with a provider configured, or with FastAPI asked
to configure one itself (``FASTAPI_OTEL_AUTO_CONFIGURE=true``), FastAPI's
instrumentation runs as FastAPI documents it; without, it is off.
"""

from __future__ import annotations

import os

from fastapi.telemetry import TelemetryConfig
from opentelemetry import _logs, metrics, trace

OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}

# The API's stand-ins until a provider is set (as FastAPI itself tells them apart).
_STAND_INS = frozenset(
    {
        ("opentelemetry.trace", "ProxyTracerProvider"),
        ("opentelemetry.metrics._internal", "_ProxyMeterProvider"),
        ("opentelemetry._logs._internal", "ProxyLoggerProvider"),
    }
)


def fastapi_telemetry() -> TelemetryConfig | None:
    """FastAPI's ``telemetry`` argument: None (its defaults) when OpenTelemetry is set up, else OFF."""
    if os.environ.get("FASTAPI_OTEL_AUTO_CONFIGURE", "").lower() == "true":
        return None
    providers = (trace.get_tracer_provider(), metrics.get_meter_provider(), _logs.get_logger_provider())
    if any((type(p).__module__, type(p).__name__) not in _STAND_INS for p in providers):
        return None
    return OFF
