// Shared checks for the span decoders (OTLP protobuf/JSON, Jaeger, Zipkin).
import ForeshockTelemetry

/// A hash of every field of a span that the OTLP protobuf encoding keeps.
func digest(_ span: Span) -> Int {
    var h = Hasher()
    h.combine(span.traceID)
    h.combine(span.spanID)
    h.combine(span.parentSpanID)
    h.combine(span.name)
    h.combine(span.kind.rawValue)
    h.combine(span.startNanos)
    h.combine(span.endNanos)
    h.combine(span.status.rawValue)
    h.combine(span.statusMessage)
    h.combine(span.attributes)
    h.combine(span.resource.attributes)
    h.combine(span.scopeName)
    return h.finalize()
}

/// Uses a decoded batch the way the metrics pipeline does, and checks the batch invariants
/// that ``SpanBatch`` documents.
func exercise(_ batch: SpanBatch) {
    check(batch.errors.count <= SpanBatch.maxRecordedErrors, "\(batch.errors.count) recorded errors")
    if batch.rejected > 0 { check(!batch.errors.isEmpty, "\(batch.rejected) rejected spans but no error recorded") }
    var total: UInt64 = 0
    for span in batch.spans {
        check(span.startNanos > 0 && span.endNanos >= span.startNanos,
              "span \(span.spanID) kept with times \(span.startNanos)...\(span.endNanos)")
        total &+= UInt64(bitPattern: span.durationNanos)
        total &+= UInt64(span.serviceName.utf8.count) &+ UInt64(span.name.utf8.count)
        total &+= UInt64(truncatingIfNeeded: span.traceID.hashValue ^ span.parentSpanID.hashValue)
        for attribute in span.attributes {
            total &+= UInt64(attribute.key.utf8.count)
            if let text = attribute.value.labelText { total &+= UInt64(text.utf8.count) }
            if let number = attribute.value.intValue { total &+= UInt64(bitPattern: number) }
        }
        if let method = span.attribute("http.method") ?? span.attribute("http.request.method") {
            total &+= UInt64(method.stringValue?.utf8.count ?? 0)
        }
        _ = span.resource.attribute("service.name")
    }
    for error in batch.errors { total &+= UInt64(error.description.utf8.count) }
    consume(total)
    deriveFromColumns(batch)
}

/// Converts the batch to ``SpanColumns`` and back (the same spans must come back) and runs the
/// metrics pass over the columns: every span is counted in an operation series, or counted as
/// late or beyond the open windows.
func deriveFromColumns(_ batch: SpanBatch) {
    let columns = SpanColumns(batch)
    check(columns.count == batch.spans.count && columns.makeSpans().map(digest) == batch.spans.map(digest),
          "the columns of a batch do not give its spans back")
    var configuration = SpanMetricsConfiguration()
    configuration.joinBufferCapacity = 16
    let aggregator = SpanMetricsAggregator(configuration: configuration)
    aggregator.ingest(columns)
    let counted = aggregator.drainAll().reduce(0) { $0 + ($1.kind == .operation ? $1.count : 0) }
    let statistics = aggregator.statistics
    check(counted == statistics.spansIngested
              && statistics.spansIngested + statistics.lateSpans + statistics.spansBeyondOpenWindows == batch.spans.count,
          "\(batch.spans.count) spans, \(counted) counted: \(statistics)")
}

/// Re-encodes the decoded spans with ``OTLPProtobufEncoder`` and decodes them again: every span
/// must come back, none rejected, field for field (order-insensitive: the encoder groups spans by
/// resource and scope).
func checkProtobufRoundTrip(_ spans: [Span], _ what: String) {
    let encoded = OTLPProtobufEncoder.encode(spans)
    let again: SpanBatch
    do {
        again = try OTLPProtobufDecoder.decode(encoded, source: "re-encoded")
    } catch {
        propertyFailed("\(what): re-encoded spans do not decode: \(error)")
    }
    check(again.rejected == 0, "\(what): \(again.rejected) re-encoded spans rejected: \(again.errors)")
    check(again.spans.count == spans.count, "\(what): \(spans.count) spans re-encoded, \(again.spans.count) decoded")
    check(spans.map(digest).sorted() == again.spans.map(digest).sorted(),
          "\(what): re-encoded spans differ after decoding")
}

/// The common body of the span harnesses: decodes `bytes` twice with one decoder (the second
/// time with its interner warm, as in a server), requires the same outcome, uses the batch and
/// checks the protobuf round trip.
func fuzzSpanDecoder(_ bytes: UnsafeRawBufferPointer, _ what: String,
                     _ decode: (UnsafeRawBufferPointer) throws -> SpanBatch) {
    let first: SpanBatch
    do { first = try decode(bytes) } catch {
        if verbose { printError("\(what): threw \(error)") }
        consume(UInt64(String(describing: error).utf8.count))
        do {
            _ = try decode(bytes)
            propertyFailed("\(what): the first decode threw (\(error)), the second did not")
        } catch {}
        return
    }
    let second: SpanBatch
    do { second = try decode(bytes) } catch { propertyFailed("\(what): the second decode threw \(error)") }
    check(first.spans.count == second.spans.count && first.rejected == second.rejected
              && first.spans.map(digest) == second.spans.map(digest),
          "\(what): decoding twice with one decoder gave different batches")
    if verbose {
        printError("\(what): \(first.spans.count) spans, \(first.rejected) rejected")
        for error in first.errors { printError("  \(error)") }
    }
    exercise(first)
    checkProtobufRoundTrip(first.spans, what)
}
