import ForeshockSketches

/// Turns spans into per-window, per-series metrics: traffic, errors, a latency sketch,
/// in-flight and self time, GenAI token sums, call edges between services, utilisation
/// resource attributes and exemplars — under a cardinality guard and a redaction policy.
///
/// ```swift
/// let aggregator = SpanMetricsAggregator()
/// aggregator.ingest(try decoder.decode(body))
/// for record in aggregator.drainClosedWindows(now: nowMilliseconds) { store(record.points()) }
/// ```
///
/// ## Windows
/// A span belongs to the window holding its end time (`windowMilliseconds`, default 10 s,
/// aligned to the Unix epoch). A window is *closed* once `now ≥ end + allowedLatenessWindows ×
/// length`; ``drainClosedWindows(now:)`` returns and forgets closed windows. Spans for a window
/// already drained are dropped and counted (``SpanMetricsStatistics/lateSpans``).
///
/// ## Series and the cardinality guard
/// A series is (service, span name, kind, effective status, dimension values); see
/// ``WindowMetrics``. Each service may have at most `maxSeriesPerService` live series; a span
/// that would create one more is counted in the service's overflow series
/// (`otel.metric.overflow="true"`) and in ``SpanMetricsStatistics/overflowSpans``. A series
/// keeps its place until it has had no span for `seriesRetentionWindows` windows (an hour of
/// 10-s windows by default): under label churn (a new user id on every span) at most
/// `maxSeriesPerService` new series per service appear per retention period, which is what
/// bounds the series the store accumulates. ``drainAll()`` (end of an export) frees them all.
/// Memory is therefore bounded by `maxServices × maxSeriesPerService` series whatever the
/// input (a million distinct attribute values included), plus `maxOpenWindows` windows and
/// the fixed-size join buffers.
///
/// ## Call edges and self time (spans of one trace arrive in different batches)
/// Policy: **per-batch join plus two bounded, direct-mapped join buffers**.
/// - Within a batch, every child is joined to its parent by (trace id, span id).
/// - A span is remembered in the *recent* buffer after its batch: a child arriving later
///   (within `joinExpiryWindows` windows) still joins it — the edge is counted in the parent's
///   window if that is still open, and the parent's self time is reduced.
/// - A child whose parent has not been seen is remembered in the *orphan* buffer (summed per
///   parent): when the parent arrives (within the expiry), the join happens then. This is the
///   common case, since children end, and are exported, before their parents.
/// - Both buffers have `joinBufferCapacity` slots; a collision overwrites the older entry, so
///   memory never grows. Lost or expired orphans are counted in
///   ``SpanMetricsStatistics/unmatchedChildren``.
///
/// A call edge is a parent → child pair whose services differ (client → server in practice):
/// counted with the parent's (caller-side) duration and error. Self time is a span's duration
/// minus its children's time within it (children's durations clipped to the parent's
/// interval, summed, capped at the parent's duration — parallel children can bring it to 0).
///
/// Not thread-safe: the engine owns one aggregator per shard.
public final class SpanMetricsAggregator {
    public let configuration: SpanMetricsConfiguration
    @exclusivity(unchecked) public private(set) var statistics = SpanMetricsStatistics()

    private let windowLength: Int64
    private let dimensionKeys: [String]
    /// The attribute keys ``assign(_:_:text:)`` reads, in one pass over a span's attributes. A
    /// role is ``packRoles(metric:invariant:)`` of the key's metric role (see
    /// ``KeyClassifier/metricRoles(dimensions:)``) and, while invariants are checked, its index
    /// among their span attribute keys.
    @exclusivity(unchecked) private var classifier: KeyClassifier
    private let metricRoles: [(String, Int)]
    /// The invariants whose keys ``classifier`` includes.
    @exclusivity(unchecked) private var classifiedInvariants: SpanInvariantAggregator?
    /// Per span attribute key of ``classifiedInvariants``: the batch position of the current
    /// span's first attribute with it, or -1; valid when ``lastIdentity`` is not 0 (the span
    /// was classified).
    @exclusivity(unchecked) private var invariantKeyPositions: UnsafeMutableBufferPointer<Int32> = .allocate(capacity: 0)
    private let prototypeSketch: DDSketch

    // Series registry: entries by id, an open-addressing table over them.
    @exclusivity(unchecked) private var entries: [SeriesEntry] = []
    @exclusivity(unchecked) private var freeIDs: [Int32] = []
    @exclusivity(unchecked) private var table: [Int32] = Array(repeating: -1, count: 1024)
    @exclusivity(unchecked) private var tableUsed = 0
    @exclusivity(unchecked) private var seriesPerService: [String: Int] = [:]

    // Open windows, in creation order.
    @exclusivity(unchecked) private var windows: [WindowState] = []
    /// Windows starting before this are closed.
    @exclusivity(unchecked) private var watermark: Int64 = .min
    @exclusivity(unchecked) private var lastSlot = -1

    /// Resource information, cached by identity (holding the resource, so ids stay unique).
    @exclusivity(unchecked) private var resourceCache: [ObjectIdentifier: (resource: SpanResource, info: ResourceInfo)] = [:]

    // Per-batch scratch, reused.
    /// Per origin of the batch: its resource's information, and a number equal for origins of
    /// the same service (call edges compare services by it).
    @exclusivity(unchecked) private var originInfos: [ResourceInfo] = []
    @exclusivity(unchecked) private var originServices: [Int32] = []
    /// The current span's dimension values (bytes of the resource's, the span's or
    /// ``numberText``), valid while the batch's text is.
    private let dimensionText: UnsafeMutableBufferPointer<UnsafeRawBufferPointer>
    /// Per dimension, room for an integer or boolean attribute value's decimal text.
    private let numberText: UnsafeMutableRawBufferPointer
    /// The current span's series identity.
    @exclusivity(unchecked) private var identity = SeriesIdentity()
    /// The operation identity (``SeriesIdentity/operationHash``) of the span last counted by
    /// ``assign(_:_:text:)``, 0 when it was not counted; handed to invariant checking.
    @exclusivity(unchecked) private var lastIdentity: UInt64 = 0
    @exclusivity(unchecked) private var spanSlot: [Int32] = []
    @exclusivity(unchecked) private var spanAccumulator: [Int32] = []
    @exclusivity(unchecked) private var spanSeries: [Int32] = []
    @exclusivity(unchecked) private var spanWindowStart: [Int64] = []
    @exclusivity(unchecked) private var childNanos: [Int64] = []
    @exclusivity(unchecked) private var batchTable: [Int32] = []

    // Join buffers (direct-mapped).
    @exclusivity(unchecked) private var recent: [RecentSpan?]
    /// Per slot of ``recent`` / ``orphans``: a 32-bit tag of the entry's join hash (0 = empty),
    /// 4 bytes a slot so that the common miss is decided without loading the large entry.
    @exclusivity(unchecked) private var recentTags: [UInt32]
    /// Caller (service, name) of the ``recent`` slots holding spans of overflow series.
    @exclusivity(unchecked) private var recentOverflowNames: [Int: (String, String)] = [:]
    @exclusivity(unchecked) private var orphanTags: [UInt32]
    @exclusivity(unchecked) private var orphans: [OrphanChildren?]
    private let joinMask: Int

    public init(configuration: SpanMetricsConfiguration = SpanMetricsConfiguration()) {
        self.configuration = configuration
        self.windowLength = max(1, configuration.windowMilliseconds)
        let dimensions = configuration.labelDimensions
        self.dimensionKeys = dimensions
        self.metricRoles = KeyClassifier.metricRoles(dimensions: dimensions)
        self.classifier = KeyClassifier(metricRoles.map { ($0.0, Self.packRoles(metric: $0.1, invariant: -1)) })
        self.prototypeSketch = DDSketch(relativeAccuracy: configuration.relativeAccuracy)
        self.dimensionText = .allocate(capacity: dimensions.count)
        self.dimensionText.initialize(repeating: UnsafeRawBufferPointer(start: nil, count: 0))
        self.numberText = .allocate(byteCount: max(1, dimensions.count * Self.numberTextBytes), alignment: 8)
        var capacity = 1
        while capacity < max(16, configuration.joinBufferCapacity) { capacity <<= 1 }
        self.joinMask = capacity - 1
        self.recent = Array(repeating: nil, count: capacity)
        self.orphans = Array(repeating: nil, count: capacity)
        self.recentTags = Array(repeating: 0, count: capacity)
        self.orphanTags = Array(repeating: 0, count: capacity)
    }

    deinit {
        classifier.deallocate()
        invariantKeyPositions.deallocate()
        dimensionText.deallocate()
        numberText.deallocate()
        identity.deallocate()
    }

    /// Bytes per dimension in ``numberText``: the longest `Int64` in decimal, and more.
    private static let numberTextBytes = 24

    /// The number of series currently tracked (overflow series included).
    public var activeSeries: Int { entries.count - freeIDs.count }

    /// The number of open (undrained) windows.
    public var openWindows: Int { windows.count }

    /// An estimate of the bytes held: series entries, accumulators with their sketches and
    /// exemplars, and the join buffers.
    public var estimatedMemoryBytes: Int {
        var total = entries.capacity * MemoryLayout<SeriesEntry>.stride + table.capacity * 4
        for entry in entries where entry.live {
            total += entry.key.capacity + entry.labels.capacity * MemoryLayout<MetricLabel>.stride
                + entry.labels.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        }
        for window in windows {
            total += window.accumulators.capacity * MemoryLayout<SeriesAccumulator>.stride + window.bySeries.capacity * 16
            for accumulator in window.accumulators {
                total += accumulator.sketch.estimatedMemoryBytes - MemoryLayout<DDSketch>.size
                total += (accumulator.slowest.capacity + accumulator.errorExemplars.capacity) * (MemoryLayout<Exemplar>.stride + 128)
            }
            total += window.edges.count * (MemoryLayout<EdgeKey>.stride + MemoryLayout<EdgeAccumulator>.stride + 256)
        }
        total += (recent.capacity * MemoryLayout<RecentSpan?>.stride) + (orphans.capacity * MemoryLayout<OrphanChildren?>.stride)
            + (recentTags.capacity + orphanTags.capacity) * 4
        return total
    }

    // MARK: Ingest

    /// Counts the spans of `batch` (one batch for call-edge joining).
    ///
    /// - Complexity: O(spans × attributes), amortised; no allocation per span on the steady
    ///   path (known series, open window), beyond exemplar replacements.
    public func ingest(_ batch: SpanColumns) {
        ingest(batch, invariants: nil)
    }

    /// Counts the spans of `batch` and checks `invariants`' rules on them: the same as
    /// `ingest(batch)` then `invariants.ingest(batch)`, but in one pass, each span checked right
    /// after it is counted (while it is in cache), with the series identity and the positions of
    /// the attributes the rules read found here handed over instead of being looked up again.
    /// (The invariants must have been built with this aggregator's dimensions and redaction
    /// policy to share the identity; otherwise they find it themselves.)
    public func ingest(_ batch: SpanColumns, checking invariants: SpanInvariantAggregator) {
        ingest(batch, invariants: invariants)
    }

    private func ingest(_ batch: SpanColumns, invariants: SpanInvariantAggregator?) {
        let n = batch.count
        guard n > 0 else { return }
        prepareScratch(n)
        prepareOrigins(batch.origins)
        batch.text.withUnsafeBytes { text in
            if let invariants {
                classify(invariants)
                let sharesIdentity = invariants.dimensionKeys == dimensionKeys
                let positions = UnsafePointer(invariantKeyPositions.baseAddress)
                invariants.beginBatch(batch)
                withUnsafePointer(to: batch) { pointer in
                    for i in 0..<n {
                        assign(batch, i, text: text)
                        // A span not counted here (late, say) was not classified: the invariants
                        // find its series and attributes themselves.
                        let classified = lastIdentity != 0
                        invariants.check(InvariantSpan(batch: pointer, text: text, index: i),
                                         identity: classified && sharesIdentity ? lastIdentity : 0,
                                         attributePositions: classified ? positions : nil)
                    }
                }
                invariants.endBatch()
            } else {
                for i in 0..<n { assign(batch, i, text: text) }
            }
            joinCalls(batch, text: text)
        }
        originInfos.removeAll(keepingCapacity: true)
    }

    /// A classifier role: the metric role and the invariant key index, each plus one (0: none).
    private static func packRoles(metric: Int, invariant: Int) -> Int {
        (metric + 1) | (invariant + 1) << 16
    }

    /// Makes ``classifier`` also find `invariants`' span attribute keys.
    private func classify(_ invariants: SpanInvariantAggregator) {
        guard classifiedInvariants !== invariants else { return }
        var roles = metricRoles.map { ($0.0, Self.packRoles(metric: $0.1, invariant: -1)) }
        for (index, key) in invariants.attributeKeys.enumerated() {
            if let known = roles.firstIndex(where: { InvariantValue.utf8Equal($0.0, key) }) {
                roles[known].1 |= Self.packRoles(metric: -1, invariant: index)
            } else {
                roles.append((key, Self.packRoles(metric: -1, invariant: index)))
            }
        }
        classifier.deallocate()
        classifier = KeyClassifier(roles)
        invariantKeyPositions.deallocate()
        invariantKeyPositions = .allocate(capacity: invariants.attributeKeys.count)
        invariantKeyPositions.initialize(repeating: -1)
        classifiedInvariants = invariants
    }

    /// Counts the spans of `batch` (converted to ``SpanColumns`` first).
    public func ingest(_ batch: SpanBatch) {
        ingest(SpanColumns(batch))
    }

    /// Counts `spans` (one batch for call-edge joining; converted to ``SpanColumns`` first).
    public func ingest(_ spans: [Span]) {
        ingest(SpanColumns(spans: spans))
    }

    private func prepareScratch(_ n: Int) {
        spanSlot.removeAll(keepingCapacity: true)
        spanAccumulator.removeAll(keepingCapacity: true)
        spanSeries.removeAll(keepingCapacity: true)
        spanWindowStart.removeAll(keepingCapacity: true)
        childNanos.removeAll(keepingCapacity: true)
        spanSlot.append(contentsOf: repeatElement(-1, count: n))
        spanAccumulator.append(contentsOf: repeatElement(-1, count: n))
        spanSeries.append(contentsOf: repeatElement(-1, count: n))
        spanWindowStart.append(contentsOf: repeatElement(0, count: n))
        childNanos.append(contentsOf: repeatElement(0, count: n))
    }

    /// Looks up each origin's resource information once per batch, and numbers its service.
    ///
    /// - Complexity: O(origins), expected (a request may carry a million resources).
    private func prepareOrigins(_ origins: [SpanOrigin]) {
        originInfos.removeAll(keepingCapacity: true)
        originServices.removeAll(keepingCapacity: true)
        var numbers: [String: Int32] = [:]
        for origin in origins {
            let info = resourceInfo(origin.resource)
            let next = Int32(truncatingIfNeeded: numbers.count)
            originServices.append(numbers[info.service, default: next])
            if numbers[info.service] == nil { numbers[info.service] = next }
            originInfos.append(info)
        }
    }

    /// Window start (ms) of a span ending at `endNanos`.
    @inline(__always)
    private func windowStart(endNanos: Int64) -> Int64 {
        let ms = endNanos / 1_000_000
        let q = ms / windowLength
        return (ms < 0 && q * windowLength != ms ? q - 1 : q) * windowLength
    }

    private func resourceInfo(_ resource: SpanResource) -> ResourceInfo {
        let id = ObjectIdentifier(resource)
        if let cached = resourceCache[id] { return cached.info }
        let info = ResourceInfo(resource, dimensions: dimensionKeys, utilization: configuration.utilizationAttributes)
        if resourceCache.count >= 4096 { resourceCache.removeAll(keepingCapacity: true) }
        resourceCache[id] = (resource, info)
        return info
    }

    /// Counts span `i` of `batch` into its series and window (pass one of a batch).
    @inline(__always)
    private func assign(_ batch: SpanColumns, _ i: Int, text: UnsafeRawBufferPointer) {
        lastIdentity = 0
        let start = windowStart(endNanos: batch.endNanos[i])
        if start < watermark {
            statistics.lateSpans += 1
            return
        }
        guard let slot = windows.openWindow(startingAt: start, last: &lastSlot, limit: configuration.maxOpenWindows) else {
            statistics.spansBeyondOpenWindows += 1
            return
        }
        let info = originInfos[Int(batch.originIndices[i])]
        let dimensionCount = dimensionKeys.count
        for d in 0..<dimensionCount { dimensionText[d] = info.dimensionBytes[d] }
        var httpStatus: Int64 = 0
        var grpcStatus: Int64 = 0
        var inputTokens: Int64 = 0
        var outputTokens: Int64 = 0
        let positions = invariantKeyPositions
        for index in positions.indices { positions[index] = -1 }
        for a in batch.attributeRange(of: i) {
            let roles = classifier.role(of: batch.attributeKeys[a].bytes(in: text))
            if roles <= 0 { continue }
            let invariantKey = roles >> 16 - 1
            if invariantKey >= 0 && positions[invariantKey] < 0 { positions[invariantKey] = Int32(a) }
            let role = roles & 0xFFFF - 1
            if role < 0 { continue }
            let value = batch.attributeValues[a]
            if role < dimensionCount {
                if let label = labelText(value, dimension: role, text: text) { dimensionText[role] = label }
                continue
            }
            switch role - dimensionCount {
            case KeyClassifier.httpStatus: httpStatus = value.intValue(text: text) ?? 0
            case KeyClassifier.grpcStatus: grpcStatus = value.intValue(text: text) ?? 0
            case KeyClassifier.inputTokens: inputTokens = value.intValue(text: text) ?? 0
            case KeyClassifier.outputTokens: outputTokens = value.intValue(text: text) ?? 0
            default: break
            }
        }
        let isError = Span.isEffectiveError(status: batch.statuses[i], httpStatus: httpStatus, grpcStatus: grpcStatus)
        let status: SpanStatusCode = isError ? .error : batch.statuses[i]
        let seriesID = series(info, name: batch.names[i].bytes(in: text), kind: batch.kinds[i], status: status, windowStart: start)
        if entries[Int(seriesID)].overflow { statistics.overflowSpans += 1 }
        let accumulatorIndex = accumulator(seriesID, slot: slot)
        let duration = batch.endNanos[i] &- batch.startNanos[i]
        windows[slot].accumulators[Int(accumulatorIndex)].add(
            duration: duration, isError: isError, inputTokens: inputTokens, outputTokens: outputTokens)
        if windows[slot].accumulators[Int(accumulatorIndex)].wantsExemplar(
            duration: duration, isError: isError, limit: configuration.exemplarsPerSeries, traceID: batch.traceIDs[i], spanID: batch.spanIDs[i]) {
            let exemplar = makeExemplar(batch, i, text: text, isError: isError)
            windows[slot].accumulators[Int(accumulatorIndex)].keep(exemplar, limit: configuration.exemplarsPerSeries)
        }
        if !info.utilization.isEmpty {
            for (name, value) in info.utilization {
                windows[slot].addUtilization(service: info.service, attribute: name, value: value)
            }
        }
        statistics.spansIngested += 1
        spanSlot[i] = Int32(slot)
        spanAccumulator[i] = accumulatorIndex
        spanSeries[i] = seriesID
        spanWindowStart[i] = start
    }

    /// The text a value has as the label of dimension `d` (``AttributeValue/labelText``: strings
    /// as they are, integers in decimal, booleans as `true`/`false`), or nil.
    @inline(__always)
    private func labelText(_ value: ColumnValue, dimension d: Int, text: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        switch value {
        case let .text(range): return range.bytes(in: text)
        case let .int(number):
            // Written backwards from the end of the dimension's room.
            let room = UnsafeMutableRawBufferPointer(rebasing: numberText[d * Self.numberTextBytes ..< (d + 1) * Self.numberTextBytes])
            var digits = number.magnitude
            var end = room.count
            repeat {
                end -= 1
                room[end] = UInt8(48 + digits % 10)
                digits /= 10
            } while digits > 0
            if number < 0 {
                end -= 1
                room[end] = UInt8(ascii: "-")
            }
            return UnsafeRawBufferPointer(rebasing: room[end...])
        case let .bool(flag):
            let word: StaticString = flag ? "true" : "false"
            let room = UnsafeMutableRawBufferPointer(rebasing: numberText[d * Self.numberTextBytes ..< d * Self.numberTextBytes + word.utf8CodeUnitCount])
            room.copyMemory(from: UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
            return UnsafeRawBufferPointer(room)
        case .double, .complex: return nil
        }
    }

    private func makeExemplar(_ batch: SpanColumns, _ i: Int, text: UnsafeRawBufferPointer, isError: Bool) -> Exemplar {
        let span = batch.span(at: i, text: text)
        let policy = configuration.redaction
        var attributes = policy.filter(span.attributes)
        for attribute in policy.filter(span.resource.attributes) where !attributes.contains(where: { $0.key == attribute.key }) {
            attributes.append(attribute)
        }
        return Exemplar(traceID: span.traceID, spanID: span.spanID, durationNanos: span.durationNanos, endNanos: span.endNanos,
                        isError: isError, statusMessage: policy.redact(span.statusMessage), attributes: attributes)
    }

    // MARK: Series registry

    @inline(__always)
    static func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
        var x = (h ^ v) &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 31
        return x
    }

    @inline(__always)
    static func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { StringInterner.hash(UnsafeRawBufferPointer($0)) }
    }

    /// The id of the current span's series — ``identity`` of its service, name and
    /// ``dimensionText``, kind and status — created (or redirected to an overflow series) when new.
    @inline(__always)
    private func series(_ info: ResourceInfo, name: UnsafeRawBufferPointer, kind: SpanKind, status: SpanStatusCode,
                        windowStart: Int64) -> Int32 {
        identity.reset()
        identity.append(info.serviceBytes)
        identity.append(name)
        for d in 0..<dimensionKeys.count { identity.append(dimensionText[d]) }
        let operation = identity.operationHash
        lastIdentity = operation
        let h = SeriesIdentity.seriesHash(operation: operation, kind: kind, status: status)
        let key = identity.finish(kind: kind, status: status)
        // Probe inline, reading fields in place (copying a whole entry costs a retain per field).
        let mask = table.count - 1
        var p = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = table[p]
            if id < 0 { break }
            let e = Int(id)
            if entries[e].hash == h && !entries[e].overflow && entries[e].key.count == key.count
                && entries[e].key.withUnsafeBufferPointer({ memcmpEqual($0.baseAddress!, key.baseAddress!, key.count) }) {
                if entries[e].lastWindowStart < windowStart { entries[e].lastWindowStart = windowStart }
                return id
            }
            p = (p + 1) & mask
        }
        return newSeries(hash: h, key: key, service: info.service, operation: String(decoding: name, as: UTF8.self),
                         kind: kind, status: status, windowStart: windowStart)
    }

    @inline(__always)
    private func find(_ hash: UInt64, _ matches: (SeriesEntry) -> Bool) -> Int32? {
        let mask = table.count - 1
        var p = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = table[p]
            if id < 0 { return nil }
            let entry = entries[Int(id)]
            if entry.hash == hash, matches(entry) { return id }
            p = (p + 1) & mask
        }
    }

    private func newSeries(hash: UInt64, key: UnsafeRawBufferPointer, service: String, operation: String, kind: SpanKind,
                           status: SpanStatusCode, windowStart: Int64) -> Int32 {
        let existing = seriesPerService[service]
        if existing == nil && seriesPerService.count >= configuration.maxServices {
            return overflowSeries(service: "", windowStart: windowStart)
        }
        if let existing, existing >= configuration.maxSeriesPerService {
            return overflowSeries(service: service, windowStart: windowStart)
        }
        seriesPerService[service, default: 0] += 1
        let policy = configuration.redaction
        let limit = configuration.maxLabelValueBytes
        var dimensions: [MetricLabel] = []
        for (d, name) in dimensionKeys.enumerated() where dimensionText[d].count > 0 {
            let value = String(decoding: dimensionText[d], as: UTF8.self)
            dimensions.append(MetricLabel(name, policy.redact(value).truncated(toUTF8: limit)))
        }
        let entry = SeriesEntry(
            hash: hash, key: Array(key), service: service, operation: operation, status: status, overflow: false, lastWindowStart: windowStart,
            labels: Self.labels(service: policy.redact(service).truncated(toUTF8: limit),
                                operation: policy.redact(operation).truncated(toUTF8: limit),
                                kind: kind, status: status, dimensions: dimensions))
        return insert(entry)
    }

    private func overflowSeries(service: String, windowStart: Int64) -> Int32 {
        let h = Self.mix(Self.hash(service), 0x0F0F_0F0F)
        let id = find(h) { $0.overflow && $0.service == service } ?? insert(SeriesEntry(
            hash: h, key: [], service: service, operation: "", status: .unset, overflow: true,
            lastWindowStart: windowStart,
            labels: ([MetricLabel("otel.metric.overflow", "true")]
                + (service.isEmpty ? [] : [MetricLabel("service", configuration.redaction.redact(service))])).sorted()))
        entries[Int(id)].lastWindowStart = max(entries[Int(id)].lastWindowStart, windowStart)
        return id
    }

    private static func labels(service: String, operation: String, kind: SpanKind, status: SpanStatusCode,
                               dimensions: [MetricLabel]) -> [MetricLabel] {
        var labels = [MetricLabel("service", service), MetricLabel("operation", operation),
                      MetricLabel("kind", kind.description), MetricLabel("status", status.description)]
        labels.append(contentsOf: dimensions.filter { d in !labels.contains { $0.name == d.name } })
        labels.sort()
        return labels
    }

    private func insert(_ entry: SeriesEntry) -> Int32 {
        let id: Int32
        if let free = freeIDs.popLast() {
            id = free
            entries[Int(id)] = entry
        } else {
            id = Int32(entries.count)
            entries.append(entry)
        }
        if (tableUsed + 1) * 2 > table.count {
            rebuildTable(capacity: table.count * 2)
        }
        place(id)
        tableUsed += 1
        return id
    }

    private func place(_ id: Int32) {
        let mask = table.count - 1
        var p = Int(truncatingIfNeeded: entries[Int(id)].hash) & mask
        while table[p] >= 0 { p = (p + 1) & mask }
        table[p] = id
    }

    private func rebuildTable(capacity: Int) {
        table = Array(repeating: -1, count: capacity)
        tableUsed = 0
        for id in entries.indices where entries[id].live {
            place(Int32(id))
            tableUsed += 1
        }
    }

    /// The accumulator of series `id` in window `slot`, created if needed.
    @inline(__always)
    private func accumulator(_ id: Int32, slot: Int) -> Int32 {
        let start = windows[slot].start
        if entries[Int(id)].cachedWindowStart == start { return entries[Int(id)].cachedAccumulator }
        let index: Int32
        if let known = windows[slot].bySeries[id] {
            index = known
        } else {
            index = Int32(windows[slot].accumulators.count)
            windows[slot].accumulators.append(SeriesAccumulator(seriesID: id, sketch: prototypeSketch))
            windows[slot].bySeries[id] = index
        }
        entries[Int(id)].cachedWindowStart = start
        entries[Int(id)].cachedAccumulator = index
        return index
    }

    // MARK: Call joins

    @inline(__always)
    private static func joinHash(_ trace: TraceID, _ span: SpanID) -> UInt64 {
        mix(mix(trace.low, trace.high), span.value)
    }

    /// The nonzero 32-bit tag of join hash `hash` kept in ``recentTags``/``orphanTags``.
    @inline(__always)
    private static func tag(_ hash: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: hash >> 32) | 1
    }

    /// Pass two of a batch: in-batch parent links, then the join buffers; then self time.
    private func joinCalls(_ batch: SpanColumns, text: UnsafeRawBufferPointer) {
        let n = batch.count
        var capacity = 16
        while capacity < n * 2 { capacity <<= 1 }
        batchTable.removeAll(keepingCapacity: true)
        batchTable.append(contentsOf: repeatElement(-1, count: capacity))
        let mask = capacity - 1
        for i in 0..<n where spanAccumulator[i] >= 0 && !batch.spanIDs[i].isZero {
            var p = Int(truncatingIfNeeded: Self.joinHash(batch.traceIDs[i], batch.spanIDs[i])) & mask
            while batchTable[p] >= 0 { p = (p + 1) & mask }
            batchTable[p] = Int32(i)
        }
        func lookup(_ trace: TraceID, _ id: SpanID) -> Int? {
            var p = Int(truncatingIfNeeded: Self.joinHash(trace, id)) & mask
            while true {
                let j = batchTable[p]
                if j < 0 { return nil }
                if batch.spanIDs[Int(j)] == id && batch.traceIDs[Int(j)] == trace { return Int(j) }
                p = (p + 1) & mask
            }
        }
        // Children → parents.
        for i in 0..<n where spanAccumulator[i] >= 0 && !batch.parentSpanIDs[i].isZero {
            if let j = lookup(batch.traceIDs[i], batch.parentSpanIDs[i]), j != i {
                childNanos[j] &+= Self.overlap(batch, i, batch.startNanos[j], batch.endNanos[j])
                if originServices[Int(batch.originIndices[j])] != originServices[Int(batch.originIndices[i])] {
                    let caller = names(batch, j, text: text), callee = names(batch, i, text: text)
                    recordEdge(callerService: caller.service, callerOperation: caller.operation,
                               durationNanos: batch.endNanos[j] &- batch.startNanos[j], callerError: isEffectiveError(batch, j),
                               windowStart: spanWindowStart[j], calleeService: callee.service, calleeOperation: callee.operation)
                }
            } else if !joinRecent(batch, i, text: text) {
                rememberOrphan(batch, i, text: text)
            }
        }
        // Parents meeting their earlier children; self time; remember for later children.
        for i in 0..<n where spanAccumulator[i] >= 0 {
            let spanID = batch.spanIDs[i]
            if !spanID.isZero { adoptOrphans(batch, i, text: text) }
            let duration = batch.endNanos[i] &- batch.startNanos[i]
            let selfNanos = max(0, duration - min(duration, childNanos[i]))
            let slot = Int(spanSlot[i])
            windows[slot].accumulators[Int(spanAccumulator[i])].selfNanos &+= selfNanos
            if !spanID.isZero {
                let hash = Self.joinHash(batch.traceIDs[i], spanID)
                let key = Int(truncatingIfNeeded: hash) & joinMask
                recentTags[key] = Self.tag(hash)
                let seriesID = spanSeries[i]
                if entries[Int(seriesID)].overflow {
                    let caller = names(batch, i, text: text)
                    recentOverflowNames[key] = (caller.service, caller.operation)
                } else if !recentOverflowNames.isEmpty {
                    recentOverflowNames[key] = nil
                }
                recent[key] = RecentSpan(traceID: batch.traceIDs[i], spanID: spanID,
                                         serviceHash: originInfos[Int(batch.originIndices[i])].serviceHash,
                                         startNanos: batch.startNanos[i], endNanos: batch.endNanos[i],
                                         isError: isEffectiveError(batch, i), windowStart: spanWindowStart[i],
                                         seriesID: seriesID, accumulator: spanAccumulator[i], remainingSelfNanos: selfNanos)
            }
        }
    }

    /// The service and name of counted span `i`: its series' (no copy), or for a span of an
    /// overflow series, its own.
    @inline(__always)
    private func names(_ batch: SpanColumns, _ i: Int, text: UnsafeRawBufferPointer) -> OrphanChildren.Callee {
        let series = Int(spanSeries[i])
        if !entries[series].overflow { return OrphanChildren.Callee(service: entries[series].service, operation: entries[series].operation) }
        return OrphanChildren.Callee(service: originInfos[Int(batch.originIndices[i])].service, operation: batch.names[i].string(in: text))
    }

    /// Whether counted span `i` was counted as an error (its series' status).
    private func isEffectiveError(_ batch: SpanColumns, _ i: Int) -> Bool {
        let series = Int(spanSeries[i])
        return entries[series].status == .error || (entries[series].overflow && batch.statuses[i] == .error)
    }

    /// The part of span `i`'s interval within `[start, end]`, in nanoseconds.
    @inline(__always)
    private static func overlap(_ batch: SpanColumns, _ i: Int, _ start: Int64, _ end: Int64) -> Int64 {
        max(0, min(batch.endNanos[i], end) - max(batch.startNanos[i], start))
    }

    /// Whether `expiresFrom` (a window start) is too old to join.
    @inline(__always)
    private func expired(_ windowStart: Int64) -> Bool {
        guard let newest = windows.last?.start else { return true }
        return windowStart < newest - configuration.joinExpiryWindows * windowLength
    }

    /// Joins child `i` to a parent from an earlier batch; false when the parent is unknown.
    private func joinRecent(_ batch: SpanColumns, _ i: Int, text: UnsafeRawBufferPointer) -> Bool {
        let parentID = batch.parentSpanIDs[i], traceID = batch.traceIDs[i]
        let hash = Self.joinHash(traceID, parentID)
        let key = Int(truncatingIfNeeded: hash) & joinMask
        guard recentTags[key] == Self.tag(hash), var parent = recent[key], parent.spanID == parentID, parent.traceID == traceID,
              !expired(parent.windowStart) else { return false }
        let reduction = min(parent.remainingSelfNanos, Self.overlap(batch, i, parent.startNanos, parent.endNanos))
        if reduction > 0, let slot = openSlot(parent.windowStart) {
            windows[slot].accumulators[Int(parent.accumulator)].selfNanos &-= reduction
            parent.remainingSelfNanos -= reduction
            recent[key] = parent
        }
        let childInfo = originInfos[Int(batch.originIndices[i])]
        if openSlot(parent.windowStart) != nil {
            // The parent's window is open, so its series is live (a series is released only
            // when idle in every open window) and holds the parent's service and name, except
            // for an overflow series, whose span's names are kept aside.
            let names = entries[Int(parent.seriesID)].overflow
                ? (recentOverflowNames[key] ?? ("", ""))
                : (entries[Int(parent.seriesID)].service, entries[Int(parent.seriesID)].operation)
            if names.0 != childInfo.service {
                let callee = self.names(batch, i, text: text)
                recordEdge(callerService: names.0, callerOperation: names.1,
                           durationNanos: parent.endNanos - parent.startNanos, callerError: parent.isError,
                           windowStart: parent.windowStart, calleeService: callee.service, calleeOperation: callee.operation)
            }
        } else if parent.serviceHash != childInfo.serviceHash {
            statistics.lateEdges += 1
        }
        return true
    }

    private func rememberOrphan(_ batch: SpanColumns, _ i: Int, text: UnsafeRawBufferPointer) {
        let parentID = batch.parentSpanIDs[i], traceID = batch.traceIDs[i]
        let hash = Self.joinHash(traceID, parentID)
        let key = Int(truncatingIfNeeded: hash) & joinMask
        let tag = Self.tag(hash)
        let child = OrphanChildren.Child(traceID: traceID, parentID: parentID, startNanos: batch.startNanos[i],
                                         endNanos: batch.endNanos[i], windowStart: spanWindowStart[i])
        let callee = names(batch, i, text: text)
        if orphanTags[key] == tag, var entry = orphans[key], entry.parentID == parentID, entry.traceID == traceID, !expired(entry.windowStart) {
            entry.absorb(child, callee: callee)
            orphans[key] = entry
            return
        }
        if orphanTags[key] != 0, let lost = orphans[key]?.count { statistics.unmatchedChildren += lost }
        orphanTags[key] = tag
        // An occupied slot is overwritten in place, keeping its callee array's storage: one
        // allocation and free fewer per orphan (most children arrive before their parent).
        if orphans[key] == nil {
            orphans[key] = OrphanChildren(child, callee: callee)
        } else {
            orphans[key]?.restart(child, callee: callee)
        }
    }

    private func adoptOrphans(_ batch: SpanColumns, _ i: Int, text: UnsafeRawBufferPointer) {
        let hash = Self.joinHash(batch.traceIDs[i], batch.spanIDs[i])
        let key = Int(truncatingIfNeeded: hash) & joinMask
        guard orphanTags[key] == Self.tag(hash), let entry = orphans[key], entry.parentID == batch.spanIDs[i],
              entry.traceID == batch.traceIDs[i] else { return }
        orphans[key] = nil
        orphanTags[key] = 0
        if expired(entry.windowStart) {
            statistics.unmatchedChildren += entry.count
            return
        }
        let within = max(0, min(entry.latestEnd, batch.endNanos[i]) - max(entry.earliestStart, batch.startNanos[i]))
        childNanos[i] &+= min(entry.childNanos, within)
        let caller = names(batch, i, text: text)
        for callee in entry.callees where callee.service != caller.service {
            recordEdge(callerService: caller.service, callerOperation: caller.operation,
                       durationNanos: batch.endNanos[i] &- batch.startNanos[i], callerError: isEffectiveError(batch, i),
                       windowStart: spanWindowStart[i], calleeService: callee.service, calleeOperation: callee.operation)
        }
    }

    /// The slot of the open window starting at `start`, if any.
    private func openSlot(_ start: Int64) -> Int? {
        if start < watermark { return nil }
        return windows.firstIndex { $0.start == start }
    }

    private func recordEdge(callerService: String, callerOperation: String, durationNanos: Int64, callerError: Bool,
                            windowStart: Int64, calleeService: String, calleeOperation: String) {
        guard let slot = openSlot(windowStart) else {
            statistics.lateEdges += 1
            return
        }
        let key = EdgeKey(callerService: callerService, callerOperation: callerOperation,
                          calleeService: calleeService, calleeOperation: calleeOperation)
        if windows[slot].edges[key] == nil {
            guard windows[slot].edges.count < configuration.maxEdgesPerWindow else {
                statistics.overflowEdges += 1
                return
            }
            windows[slot].edges[key] = EdgeAccumulator(sketch: prototypeSketch)
        }
        windows[slot].edges[key]?.add(durationNanos: durationNanos, isError: callerError)
        statistics.edgesJoined += 1
    }

    // MARK: Drain

    /// Returns the metrics of every window closed at `now` (Unix milliseconds) — those with
    /// `start + length × (1 + allowedLatenessWindows) ≤ now` — oldest first, and forgets them.
    /// Series idle in every remaining window are released (see the type's discussion).
    ///
    /// - Complexity: O(series and edges of the drained windows + live series).
    public func drainClosedWindows(now: Int64) -> [WindowMetrics] {
        let closeAfter = windowLength * (1 + configuration.allowedLatenessWindows)
        return drain { $0.start + closeAfter <= now }
    }

    /// Returns and forgets every open window (end of a batch export, shutdown).
    public func drainAll() -> [WindowMetrics] {
        drain(releasingAll: true) { _ in true }
    }

    private func drain(releasingAll: Bool = false, _ isClosed: (WindowState) -> Bool) -> [WindowMetrics] {
        let closing = windows.filter(isClosed).sorted { $0.start < $1.start }
        guard !closing.isEmpty else { return [] }
        windows.removeAll(where: isClosed)
        lastSlot = -1
        if let newestClosed = closing.last?.start {
            watermark = max(watermark, newestClosed + windowLength)
        }
        var out: [WindowMetrics] = []
        for window in closing {
            out.append(contentsOf: records(of: window))
        }
        releaseIdleSeries(all: releasingAll)
        return out
    }

    private func records(of window: WindowState) -> [WindowMetrics] {
        var out: [WindowMetrics] = []
        out.reserveCapacity(window.accumulators.count + window.edges.count)
        for accumulator in window.accumulators {
            let entry = entries[Int(accumulator.seriesID)]
            out.append(WindowMetrics(
                kind: .operation, windowStart: window.start, windowLength: windowLength, labels: entry.labels,
                isOverflow: entry.overflow, count: accumulator.count, errors: accumulator.errors, duration: accumulator.sketch,
                inflightSeconds: Double(accumulator.inflightNanos) * 1e-9, selfSeconds: Double(accumulator.selfNanos) * 1e-9,
                inputTokens: accumulator.inputTokens, outputTokens: accumulator.outputTokens,
                utilizationMean: 0, utilizationMax: 0,
                exemplars: accumulator.slowest.sorted { $0.durationNanos > $1.durationNanos } + accumulator.errorExemplars))
        }
        let policy = configuration.redaction
        let limit = configuration.maxLabelValueBytes
        for (key, edge) in window.edges.sorted(by: { ($0.key.callerService, $0.key.callerOperation, $0.key.calleeService, $0.key.calleeOperation) < ($1.key.callerService, $1.key.callerOperation, $1.key.calleeService, $1.key.calleeOperation) }) {
            let labels = [
                MetricLabel("operation", policy.redact(key.callerOperation).truncated(toUTF8: limit)),
                MetricLabel("peer.operation", policy.redact(key.calleeOperation).truncated(toUTF8: limit)),
                MetricLabel("peer.service", policy.redact(key.calleeService).truncated(toUTF8: limit)),
                MetricLabel("service", policy.redact(key.callerService).truncated(toUTF8: limit)),
            ]
            out.append(WindowMetrics(
                kind: .callEdge, windowStart: window.start, windowLength: windowLength, labels: labels, isOverflow: false,
                count: edge.count, errors: edge.errors, duration: edge.sketch, inflightSeconds: Double(edge.durationNanos) * 1e-9,
                selfSeconds: 0, inputTokens: 0, outputTokens: 0, utilizationMean: 0, utilizationMax: 0, exemplars: []))
        }
        for (key, value) in window.utilization.sorted(by: { ($0.key.service, $0.key.attribute) < ($1.key.service, $1.key.attribute) }) {
            out.append(WindowMetrics(
                kind: .utilization, windowStart: window.start, windowLength: windowLength,
                labels: [MetricLabel("attribute", key.attribute), MetricLabel("service", policy.redact(key.service))],
                isOverflow: false, count: value.count, errors: 0, duration: nil, inflightSeconds: 0, selfSeconds: 0,
                inputTokens: 0, outputTokens: 0, utilizationMean: value.sum / Double(max(1, value.count)),
                utilizationMax: value.maximum, exemplars: []))
        }
        return out
    }

    /// Forgets series idle for `seriesRetentionWindows` windows before the oldest open one (or
    /// every series, at the end of an export) and rebuilds the lookup table.
    private func releaseIdleSeries(all: Bool) {
        let oldestOpen = windows.map(\.start).min() ?? watermark
        var before = Int64.max
        if !all {
            let retention = windowLength.multipliedReportingOverflow(by: max(0, configuration.seriesRetentionWindows))
            let start = oldestOpen.subtractingReportingOverflow(retention.partialValue)
            before = retention.overflow || start.overflow ? .min : start.partialValue
        }
        var released = 0
        for id in entries.indices where entries[id].live && entries[id].lastWindowStart < before {
            if !entries[id].overflow, let count = seriesPerService[entries[id].service] {
                if count <= 1 { seriesPerService[entries[id].service] = nil } else { seriesPerService[entries[id].service] = count - 1 }
            }
            entries[id] = SeriesEntry.released
            freeIDs.append(Int32(id))
            released += 1
        }
        if released > 0 {
            var capacity = 1024
            while capacity < activeSeries * 2 + 2 { capacity <<= 1 }
            rebuildTable(capacity: capacity)
        }
        if entries.count > 0, freeIDs.count == entries.count {
            entries.removeAll(keepingCapacity: false)
            freeIDs.removeAll(keepingCapacity: false)
        }
    }
}

// MARK: - Internal state

/// Resource-level facts reused by every span of the resource: the service, the resource's
/// dimension values (as UTF-8 bytes in memory owned here, so the per-span path can point at
/// them), utilisation attributes.
///
/// Immutable after `init`; the bytes are freed with the object (hence `@unchecked Sendable`).
final class ResourceInfo: @unchecked Sendable {
    let service: String
    let serviceHash: UInt64
    /// The UTF-8 of ``service``.
    let serviceBytes: UnsafeRawBufferPointer
    /// Per configured dimension: the UTF-8 of the resource's value (empty when absent).
    let dimensionBytes: [UnsafeRawBufferPointer]
    let utilization: [(String, Double)]
    private let storage: UnsafeMutableRawBufferPointer

    init(_ resource: SpanResource, dimensions keys: [String], utilization utilizationKeys: [String]) {
        service = resource.serviceName
        serviceHash = SpanMetricsAggregator.hash(resource.serviceName)
        let texts = [service] + keys.map { resource.attribute($0)?.labelText ?? "" }
        storage = .allocate(byteCount: max(1, texts.reduce(0) { $0 + $1.utf8.count }), alignment: 8)
        var ranges: [UnsafeRawBufferPointer] = []
        var offset = 0
        for text in texts {
            let count = text.utf8.count
            UnsafeMutableRawBufferPointer(rebasing: storage[offset ..< offset + count]).copyBytes(from: text.utf8)
            ranges.append(UnsafeRawBufferPointer(rebasing: storage[offset ..< offset + count]))
            offset += count
        }
        serviceBytes = ranges[0]
        dimensionBytes = Array(ranges.dropFirst())
        utilization = utilizationKeys.compactMap { key in
            switch resource.attribute(key) {
            case let .double(value)?: value.isFinite ? (key, value) : nil
            case let .int(value)?: (key, Double(value))
            default: nil
            }
        }
    }

    deinit {
        storage.deallocate()
    }
}

/// The roles of the attribute keys ``SpanMetricsAggregator`` reads: the configured dimensions
/// (roles `0 ..< dimensions.count`), then the status codes and token counts.
extension KeyClassifier {
    static let httpStatus = 0
    static let grpcStatus = 1
    static let inputTokens = 2
    static let outputTokens = 3

    /// Each key and its role for ``SpanMetricsAggregator``, given its dimensions.
    static func metricRoles(dimensions: [String]) -> [(String, Int)] {
        let n = dimensions.count
        return dimensions.enumerated().map { ($0.element, $0.offset) } + [
            ("http.response.status_code", n + Self.httpStatus),
            ("http.status_code", n + Self.httpStatus),
            ("rpc.grpc.status_code", n + Self.grpcStatus),
            ("gen_ai.usage.input_tokens", n + Self.inputTokens),
            ("gen_ai.usage.prompt_tokens", n + Self.inputTokens),
            ("gen_ai.usage.output_tokens", n + Self.outputTokens),
            ("gen_ai.usage.completion_tokens", n + Self.outputTokens),
        ]
    }
}

/// A series of the registry.
struct SeriesEntry {
    var hash: UInt64
    /// The identity bytes (``SeriesIdentity``, kind and status included); empty for overflow
    /// series.
    var key: [UInt8]
    /// The span's service and name, unredacted (call edges are labelled with them).
    var service: String
    var operation: String
    /// The effective status (``SpanStatusCode/unset`` for overflow series).
    var status: SpanStatusCode
    /// Whether this is a service's (or the services') overflow series; its spans vary.
    var overflow: Bool
    var lastWindowStart: Int64
    var labels: [MetricLabel]
    var live = true
    var cachedWindowStart: Int64 = .min
    var cachedAccumulator: Int32 = -1

    /// The state of a released id, free for reuse.
    static let released = SeriesEntry(hash: 0, key: [], service: "", operation: "", status: .unset, overflow: false, lastWindowStart: .min,
                                      labels: [], live: false)
}

struct SeriesAccumulator {
    var seriesID: Int32
    var count = 0
    var errors = 0
    var sketch: DDSketch
    var inflightNanos: Int64 = 0
    var selfNanos: Int64 = 0
    var inputTokens: Int64 = 0
    var outputTokens: Int64 = 0
    var slowest: [Exemplar] = []
    /// The smallest duration among ``slowest`` once full.
    var slowestFloor: Int64 = .min
    var errorExemplars: [Exemplar] = []

    init(seriesID: Int32, sketch: DDSketch) {
        self.seriesID = seriesID
        self.sketch = sketch
    }

    @inline(__always)
    mutating func add(duration: Int64, isError: Bool, inputTokens: Int64, outputTokens: Int64) {
        count += 1
        if isError { errors += 1 }
        sketch.add(Double(duration) * 1e-9)
        inflightNanos &+= duration
        self.inputTokens &+= inputTokens
        self.outputTokens &+= outputTokens
    }

    /// Whether a span would be kept as an exemplar: among the `limit` slowest, or an error
    /// while there is room for one — unless it already is one (a span delivered again, as an
    /// exporter's retry does, is not kept twice).
    @inline(__always)
    func wantsExemplar(duration: Int64, isError: Bool, limit: Int, traceID: TraceID, spanID: SpanID) -> Bool {
        guard limit > 0, slowest.count < limit || duration > slowestFloor || (isError && errorExemplars.count < limit) else { return false }
        return !slowest.contains { $0.spanID == spanID && $0.traceID == traceID }
            && !errorExemplars.contains { $0.spanID == spanID && $0.traceID == traceID }
    }

    mutating func keep(_ exemplar: Exemplar, limit: Int) {
        if exemplar.isError && errorExemplars.count < limit { errorExemplars.append(exemplar) }
        if slowest.count < limit {
            slowest.append(exemplar)
        } else if exemplar.durationNanos > slowestFloor,
                  let k = slowest.indices.min(by: { slowest[$0].durationNanos < slowest[$1].durationNanos }) {
            slowest[k] = exemplar
        }
        if slowest.count == limit { slowestFloor = slowest.map(\.durationNanos).min() ?? .min }
    }
}

struct EdgeKey: Hashable {
    var callerService: String
    var callerOperation: String
    var calleeService: String
    var calleeOperation: String
}

struct EdgeAccumulator {
    var count = 0
    var errors = 0
    var durationNanos: Int64 = 0
    var sketch: DDSketch

    init(sketch: DDSketch) { self.sketch = sketch }

    mutating func add(durationNanos: Int64, isError: Bool) {
        count += 1
        if isError { errors += 1 }
        self.durationNanos &+= durationNanos
        sketch.add(Double(durationNanos) * 1e-9)
    }
}

struct UtilizationKey: Hashable {
    var service: String
    var attribute: String
}

struct WindowState: OpenWindow {
    var start: Int64
    var accumulators: [SeriesAccumulator] = []
    var bySeries: [Int32: Int32] = [:]
    var edges: [EdgeKey: EdgeAccumulator] = [:]
    var utilization: [UtilizationKey: (sum: Double, count: Int, maximum: Double)] = [:]

    init(start: Int64) { self.start = start }

    mutating func addUtilization(service: String, attribute: String, value: Double) {
        let key = UtilizationKey(service: service, attribute: attribute)
        var current = utilization[key] ?? (0, 0, -.infinity)
        current.sum += value
        current.count += 1
        current.maximum = max(current.maximum, value)
        utilization[key] = current
    }
}

/// A span remembered for children that arrive in later batches.
///
/// Plain data (no strings), so that overwriting a slot of the 64 Ki-slot buffer neither loads
/// the old entry to release its strings nor retains new ones: the caller's service and name are
/// read from its series (live while its window is open; overflow series' names are kept in
/// `recentOverflowNames`), and the service hash decides late edges once the window is closed.
struct RecentSpan {
    var traceID: TraceID
    var spanID: SpanID
    var serviceHash: UInt64
    var startNanos: Int64
    var endNanos: Int64
    var isError: Bool
    var windowStart: Int64
    var seriesID: Int32
    var accumulator: Int32
    var remainingSelfNanos: Int64
}

/// Children that arrived before their parent, summed per parent.
struct OrphanChildren {
    struct Callee: Equatable {
        var service: String
        var operation: String
    }

    /// What an orphan contributes: its parent's identity, its interval and window.
    struct Child {
        var traceID: TraceID
        var parentID: SpanID
        var startNanos: Int64
        var endNanos: Int64
        var windowStart: Int64
    }

    static let maxCallees = 4

    var traceID: TraceID
    var parentID: SpanID
    var windowStart: Int64
    var childNanos: Int64
    var earliestStart: Int64
    var latestEnd: Int64
    var count: Int
    var callees: [Callee]

    /// The entry of `child` alone.
    init(_ child: Child, callee: Callee) {
        (traceID, parentID, windowStart, childNanos, earliestStart, latestEnd, count) = Self.alone(child)
        callees = [callee]
    }

    /// The fields of an entry of `child` alone, but its callees.
    private static func alone(_ child: Child) -> (TraceID, SpanID, Int64, Int64, Int64, Int64, Int) {
        (child.traceID, child.parentID, child.windowStart, child.endNanos &- child.startNanos, child.startNanos, child.endNanos, 1)
    }

    /// Adds one more child of the same parent.
    mutating func absorb(_ child: Child, callee: Callee) {
        childNanos &+= child.endNanos &- child.startNanos
        earliestStart = min(earliestStart, child.startNanos)
        latestEnd = max(latestEnd, child.endNanos)
        count += 1
        if callees.count < Self.maxCallees, !callees.contains(callee) { callees.append(callee) }
        windowStart = max(windowStart, child.windowStart)
    }

    /// Becomes the entry of `child` alone, reusing the callee array's storage.
    mutating func restart(_ child: Child, callee: Callee) {
        (traceID, parentID, windowStart, childNanos, earliestStart, latestEnd, count) = Self.alone(child)
        callees.removeAll(keepingCapacity: true)
        callees.append(callee)
    }
}

extension String {
    /// The longest prefix of at most `limit` UTF-8 bytes that ends on a character boundary.
    func truncated(toUTF8 limit: Int) -> String {
        if utf8.count <= limit { return self }
        var result = ""
        var used = 0
        for character in self {
            let size = character.utf8.count
            if used + size > limit { break }
            result.append(character)
            used += size
        }
        return result
    }
}
