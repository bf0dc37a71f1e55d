import ForeshockDetection
import ForeshockTelemetry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ForeshockStorage
import Logging
import Synchronization

/// Foreshock embedded in a host service: ingest → storage → detection → anomalies.
///
/// ```swift
/// var configuration = EngineConfiguration()
/// configuration.dataDirectory = "/var/lib/myservice/foreshock"
/// let engine = try Engine(configuration: configuration)
/// let key = try SeriesKey(name: "queue.depth", labels: ["queue": "payments"])
/// _ = engine.ingest(series: key, timestamps: [now], values: [depth])   // never blocks
/// Task { for await event in engine.anomalyEvents() { alert(event.anomaly) } }
/// …
/// try await engine.shutdown()   // persists everything acknowledged
/// ```
///
/// - Ingest is batch-first and non-blocking: a call only appends to a bounded in-memory queue
///   (``EngineConfiguration/queueCapacity`` points) and returns; when the queue is full the
///   batch is shed and the result says so. One background task drains the queue in order:
///   it appends to the ``Store`` and runs each series' ``SeriesDetector``.
/// - Anomaly events (open, update, close: one incident, not one event per point) go to every
///   ``anomalyEvents()`` stream and ``onAnomaly(_:)`` callback; ``openAnomalies()`` answers
///   the current incidents.
/// - ``flush()`` returns once everything ingested before it is durable (store fsynced,
///   detector state saved); a background flush runs every ``EngineConfiguration/flushInterval``.
///   Reopening the data directory restores series, blocks and detector state.
/// - Self-metrics go through swift-metrics (`foreshock_*`), logs through swift-log.
public final class Engine: Sendable {
    public let configuration: EngineConfiguration
    /// The engine's store: queries read it directly.
    public let store: Store

    enum WorkItem: Sendable {
        case points([SeriesPoints], count: Int)
        case spans(SpanColumns)
        /// Decoded `Span` values, turned into columns by the worker (not the caller).
        case spanValues(SpanBatch)
        /// Durability barrier; `final` also closes every open span window (shutdown).
        case flush(CheckedContinuation<Void, any Error>?, final: Bool)
    }

    private let queue: AsyncStream<WorkItem>.Continuation
    private let queuedPoints = QueueDepth()
    private let broadcaster: AnomalyBroadcaster
    private let metrics = EngineMetrics()
    private let logger: Logger
    private let worker: Mutex<Task<Void, Never>?> = Mutex(nil)
    private let ticker: Mutex<Task<Void, Never>?> = Mutex(nil)
    private let stopped = Atomic(false)

    /// Opens the store (creating it if needed), restores the detectors, and starts the
    /// background worker.
    /// - Throws: ``ConfigurationError`` for invalid settings; ``StorageError`` if the data
    ///   directory cannot be opened. Damage inside the store is logged, not thrown.
    public init(configuration: EngineConfiguration, logger: Logger = Logger(label: "foreshock.engine")) throws {
        try configuration.validate()
        self.configuration = configuration
        self.logger = logger
        store = try Store(directory: configuration.dataDirectory, configuration: configuration.store)
        for issue in store.recoveryIssues { logger.warning("store recovered past damage", metadata: ["issue": "\(issue)"]) }
        broadcaster = AnomalyBroadcaster(bufferLimit: configuration.subscriberBuffer)

        var states = DetectorStates()
        if let directory = configuration.dataDirectory {
            do { states = try DetectorStates.load(directory: directory) } catch {
                logger.error("detector state unreadable; detectors relearn from the stored history",
                             metadata: ["file": "\(directory)/\(DetectorStates.fileName)", "error": "\(error)"])
            }
        }
        let restored = states
        let (stream, continuation) = AsyncStream<WorkItem>.makeStream(bufferingPolicy: .unbounded)
        queue = continuation
        let store = self.store, broadcaster = self.broadcaster, metrics = self.metrics
        let queuedPoints = self.queuedPoints, directory = configuration.dataDirectory, logger = self.logger
        worker.withLock {
            $0 = Task.detached {
                // Catch up with the store before the first queued batch: ingest is accepted
                // meanwhile and waits in the queue.
                var pipeline = DetectionPipeline(configuration: configuration, states: restored, metrics: metrics)
                var spans = SpanPipeline(configuration: configuration.spans, maxStoredSeries: configuration.maxStoredSeries,
                                         maxDetectedSeries: configuration.maxDetectedSeries)
                pipeline.catchUp(with: store, logger: logger)
                func process(_ batch: SpanColumns) {
                    let derived = spans.ingest(batch, store: store, logger: logger, wallClock: Engine.unixMilliseconds())
                    pipeline.process(derived.points, store: store, broadcaster: broadcaster, logger: logger)
                    pipeline.publish(derived.events, broadcaster: broadcaster)
                    metrics.record(derived)
                    metrics.queueDepth.record(queuedPoints.remove(batch.count))
                }
                for await item in stream {
                    switch item {
                    case let .points(batch, count):
                        pipeline.process(batch, store: store, broadcaster: broadcaster, logger: logger)
                        let depth = queuedPoints.remove(count)
                        metrics.queueDepth.record(depth)
                    case let .spans(batch):
                        process(batch)
                    case let .spanValues(batch):
                        process(SpanColumns(batch))
                    case let .flush(continuation, final):
                        do {
                            let start = ContinuousClock.now
                            let derived = spans.drain(now: Engine.unixMilliseconds(), all: final, store: store, logger: logger)
                            pipeline.process(derived.points, store: store, broadcaster: broadcaster, logger: logger)
                            pipeline.publish(derived.events, broadcaster: broadcaster)
                            metrics.record(derived)
                            if let directory { try pipeline.states.save(directory: directory) }
                            try store.flush()
                            metrics.flushDuration.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
                            let statistics = store.statistics()
                            metrics.seriesCount.record(statistics.seriesCount)
                            metrics.blockBytes.record(statistics.blockBytes)
                            continuation?.resume()
                        } catch {
                            logger.error("flush failed", metadata: ["error": "\(error)"])
                            continuation?.resume(throwing: error)
                        }
                    }
                }
            }
        }
        let interval = configuration.flushInterval
        ticker.withLock {
            $0 = Task.detached { [continuation] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(interval))
                    if Task.isCancelled { break }
                    continuation.yield(.flush(nil, final: false))
                }
            }
        }
    }

    deinit {
        ticker.withLock { $0?.cancel() }
        queue.finish()
    }

    // MARK: Ingest

    /// Queues points of several series; never blocks.
    ///
    /// A batch with mismatched lengths is rejected (named in the result) and the others are
    /// queued. If the queue cannot take all the valid points, none are queued: the batch is
    /// shed, counted in `foreshock_shed_points_total`, and reported in the result.
    /// - Complexity: O(batches) on the caller's thread.
    @discardableResult
    public func ingest(_ batches: [SeriesPoints]) -> IngestResult {
        var result = IngestResult()
        var valid: [SeriesPoints] = []
        valid.reserveCapacity(batches.count)
        var count = 0
        for batch in batches {
            guard batch.timestamps.count == batch.values.count else {
                result.rejected.append("\(batch.key): \(batch.timestamps.count) timestamps but \(batch.values.count) values")
                continue
            }
            count += batch.timestamps.count
            valid.append(batch)
        }
        if !result.rejected.isEmpty { metrics.rejectedBatches.increment(by: result.rejected.count) }
        guard count > 0 else { return result }
        let capacity = configuration.queueCapacity
        let admitted = !stopped.load(ordering: .acquiring) && queuedPoints.add(count, capacity: capacity)
        guard admitted else {
            metrics.shedPoints.increment(by: count)
            result.shedPoints = count
            return result
        }
        queue.yield(.points(valid, count: count))
        metrics.ingestedPoints.increment(by: count)
        result.acceptedPoints = count
        return result
    }

    /// Queues decoded spans; never blocks. Spans count against the queue capacity like points;
    /// a batch that does not fit is shed whole.
    @discardableResult
    public func ingest(spans batch: SpanColumns) -> IngestResult {
        enqueue(.spans(batch), count: batch.count)
    }

    private func enqueue(_ item: WorkItem, count: Int) -> IngestResult {
        guard count > 0 else { return IngestResult() }
        guard !stopped.load(ordering: .acquiring) && queuedPoints.add(count, capacity: configuration.queueCapacity) else {
            metrics.shedPoints.increment(by: count)
            return IngestResult(shedPoints: count)
        }
        queue.yield(item)
        metrics.ingestedSpans.increment(by: count)
        return IngestResult(acceptedPoints: count)
    }

    /// Queues decoded spans (see ``ingest(spans:)-(SpanColumns)``); the worker turns them into
    /// columns, so the call stays O(1) for the caller.
    @discardableResult
    public func ingest(spans batch: SpanBatch) -> IngestResult {
        enqueue(.spanValues(batch), count: batch.spans.count)
    }

    /// Decodes an OTLP/HTTP `/v1/traces` body (`ExportTraceServiceRequest`, protobuf or JSON)
    /// on the caller's thread and queues its spans; never blocks.
    /// - Returns: the queue result and the spans rejected as malformed (counted, with up to 16
    ///   located errors); well-formed spans of a partly bad request are kept.
    /// - Throws: ``InputError`` when the body as a whole cannot be parsed.
    public func ingest(otlp body: [UInt8], format: OTLPFormat) throws(InputError) -> (result: IngestResult, rejectedSpans: Int, errors: [InputError]) {
        let batch = try format.decodeColumns(body)
        return (ingest(spans: batch), batch.rejected, batch.errors)
    }

    /// Queues points of one series; never blocks (see ``ingest(_:)``).
    @discardableResult
    public func ingest(series key: SeriesKey, timestamps: [Int64], values: [Double]) -> IngestResult {
        ingest([SeriesPoints(key: key, timestamps: timestamps, values: values)])
    }

    /// Points waiting in the queue.
    public var queueDepth: Int { queuedPoints.current }

    // MARK: Output

    /// A new stream of anomaly events (each subscriber gets every event from now on; a
    /// subscriber that falls ``EngineConfiguration/subscriberBuffer`` events behind loses the
    /// oldest). The stream ends at ``shutdown()``.
    public func anomalyEvents() -> AsyncStream<AnomalyEvent> { broadcaster.subscribe() }

    /// Calls `handler` for every anomaly event, on the engine's worker task: keep it short.
    public func onAnomaly(_ handler: @escaping @Sendable (AnomalyEvent) -> Void) { broadcaster.addCallback(handler) }

    /// The incidents open now, oldest first.
    public func openAnomalies() -> [Anomaly] { broadcaster.openAnomalies }

    /// Up to the last 1000 closed incidents, oldest first.
    public func recentAnomalies() -> [Anomaly] { broadcaster.recentAnomalies }

    // MARK: Queries

    /// Which dimension split explains a deviation of the series matching `matchers` between
    /// `baseline` and `anomaly` (ms ranges); see ``DeviationExplainer``.
    public func explain(matching matchers: [LabelMatcher], anomaly: ClosedRange<Int64>,
                        baseline: ClosedRange<Int64>) throws -> [DeviationExplainer.Explanation] {
        try DeviationExplainer.explain(in: store, matching: matchers, anomaly: anomaly, baseline: baseline)
    }

    // MARK: Lifecycle

    /// Returns once every point ingested before the call is stored durably and the detector
    /// state is saved.
    /// - Throws: the store's or the state file's I/O error; ``StorageError`` after shutdown.
    public func flush() async throws {
        guard !stopped.load(ordering: .acquiring) else { throw StorageError.invalidArgument("flush after shutdown") }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.yield(.flush(continuation, final: false))
        }
    }

    /// Stops accepting points, drains the queue, flushes, closes the store and ends the
    /// anomaly streams. Everything acknowledged by ``ingest(_:)`` before the call is persisted.
    public func shutdown() async throws {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        ticker.withLock { $0?.cancel() }
        var flushError: (any Error)?
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                queue.yield(.flush(continuation, final: true))
            }
        } catch {
            flushError = error
        }
        queue.finish()
        await worker.withLock { $0 }?.value
        broadcaster.finish()
        if let flushError { throw flushError }
        try store.close()
        logger.info("engine stopped", metadata: ["series": "\(store.statistics().seriesCount)"])
    }
}

/// The two encodings of an OTLP/HTTP body.
public enum OTLPFormat: Sendable {
    case protobuf
    case json

    /// Decodes an `ExportTraceServiceRequest` body into columns, the engine's input (protobuf
    /// directly, without a ``Span`` per span; JSON through ``SpanBatch``). Malformed spans are
    /// rejected and counted in the batch; a body that cannot be parsed at all throws.
    public func decodeColumns(_ body: [UInt8]) throws(InputError) -> SpanColumns {
        switch self {
        case .protobuf:
            var decoder = OTLPProtobufDecoder()
            return try decoder.decodeColumns(body, source: "otlp")
        case .json:
            var decoder = OTLPJSONDecoder()
            return SpanColumns(try decoder.decode(body, source: "otlp"))
        }
    }
}

extension Engine {
    /// The wall clock in Unix milliseconds (span windows close by it as well as by data time).
    static func unixMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
