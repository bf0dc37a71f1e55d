#!/usr/bin/env python3
"""Exports spans to a running foreshock-server with the real OpenTelemetry Python SDK.

usage: otel_export.py ENDPOINT TOKEN

Service "checkout", operation "POST /checkout": 240 ten-second windows of 30 server spans of
20-30 ms, ending now; the spans of window 200 take ~40x longer (an injected latency anomaly).
Timestamps are explicit so the run is quick and deterministic in shape. Exits 0 when the
exporter reported success for every batch.
"""
import random
import sys
import time

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult

endpoint, token = sys.argv[1], sys.argv[2]
results = []


class RecordingExporter(OTLPSpanExporter):
    def export(self, spans):
        result = super().export(spans)
        results.append(result)
        return result


exporter = RecordingExporter(endpoint=endpoint, headers={"Authorization": f"Bearer {token}"})
provider = TracerProvider(resource=Resource.create({"service.name": "checkout", "service.version": "1.4.2"}))
provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=512))
tracer = provider.get_tracer("foreshock-integration")

rng = random.Random(42)
windows, per_window, slow_window = 240, 30, 200
start = time.time_ns() - windows * 10_000_000_000
for w in range(windows):
    for i in range(per_window):
        end = start + w * 10_000_000_000 + i * 300_000_000
        duration = int(rng.uniform(20, 30) * 1_000_000)
        if w == slow_window:
            duration *= 40
        span = tracer.start_span("POST /checkout", kind=trace.SpanKind.SERVER, start_time=end - duration)
        span.set_attribute("http.response.status_code", 200)
        span.end(end_time=end)

provider.force_flush()
provider.shutdown()
failed = [r for r in results if r != SpanExportResult.SUCCESS]
print(f"exported {windows * per_window} spans in {len(results)} batches, {len(failed)} failed")
sys.exit(1 if failed or not results else 0)
