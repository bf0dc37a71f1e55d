#!/usr/bin/env python3
"""Writes an OTLP/HTTP protobuf body (ExportTraceServiceRequest) of realistic spans for the
server load test: N spans (default 100) of 5 services, 20 operations, 10 attributes each,
ending now (so the server's windows close by wall clock while the load runs).

usage: make_body.py OUT [SPANS]   (needs the opentelemetry-proto package, which the OTLP/HTTP
exporter already depends on)
"""
import random
import sys
import time

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

out, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100
rng = random.Random(7)
now = time.time_ns()
request = ExportTraceServiceRequest()
for service in range(5):
    resource_spans = request.resource_spans.add()
    resource_spans.resource.attributes.extend([
        KeyValue(key="service.name", value=AnyValue(string_value=f"service-{service}")),
        KeyValue(key="service.version", value=AnyValue(string_value=f"1.{service}.0")),
    ])
    scope = resource_spans.scope_spans.add()
    for i in range(count // 5):
        span = scope.spans.add()
        span.trace_id = rng.randbytes(16)
        span.span_id = rng.randbytes(8)
        span.name = f"GET /api/{i % 20}"
        span.kind = Span.SPAN_KIND_SERVER
        duration = int(rng.lognormvariate(3, 0.5) * 1_000_000)
        span.end_time_unix_nano = now
        span.start_time_unix_nano = now - duration
        for key, value in [("http.request.method", "GET"), ("http.route", f"/api/{i % 20}"), ("url.scheme", "https"),
                           ("server.address", "api.example.com"), ("code.origin", "ai" if i % 3 == 0 else "human"),
                           ("code.function.name", f"handler{i % 20}"), ("deployment.environment.name", "prod"),
                           ("user_agent.original", "load-test")]:
            span.attributes.append(KeyValue(key=key, value=AnyValue(string_value=value)))
        span.attributes.append(KeyValue(key="http.response.status_code", value=AnyValue(int_value=500 if i % 97 == 0 else 200)))
        span.attributes.append(KeyValue(key="net.peer.port", value=AnyValue(int_value=443)))
with open(out, "wb") as f:
    f.write(request.SerializeToString())
print(f"{out}: {count} spans, {len(request.SerializeToString())} bytes")
