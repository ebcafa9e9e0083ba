"""FastAPI's OpenTelemetry runs when the process has a provider, and only then (kit/otel.py)."""

from __future__ import annotations

import pytest
from opentelemetry import trace

from laurels.kit.otel import OFF, fastapi_telemetry


def test_off_without_a_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FASTAPI_OTEL_AUTO_CONFIGURE", raising=False)
    assert fastapi_telemetry() == OFF


def test_fastapis_defaults_once_a_provider_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FASTAPI_OTEL_AUTO_CONFIGURE", raising=False)
    # What `opentelemetry-instrument` does first: a provider of its own in place of the API's stand-in.
    monkeypatch.setattr(trace, "get_tracer_provider", trace.NoOpTracerProvider)
    assert fastapi_telemetry() is None


def test_fastapis_defaults_when_it_is_asked_to_configure_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")
    assert fastapi_telemetry() is None
