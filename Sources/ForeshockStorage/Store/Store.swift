import Synchronization

/// A time-series store: per-series head buffers sealed into immutable column blocks, kept in
/// segment files in a data directory, with a write-ahead log for the unsealed heads.
///
/// - Appends batch into the series' head (any order within the head, last write wins for a
///   repeated timestamp, points older than the sealed data rejected and counted: see
///   ``AppendResult``). A head is sealed into a block at ``StoreConfiguration/blockCapacity``
///   points or ``StoreConfiguration/maxBlockSpan`` milliseconds.
/// - ``flush()`` makes everything appended before it durable: sealed blocks go to a new segment
///   file (temp, fsync, rename, fsync directory), and the write-ahead log is synced.
/// - Opening a directory rebuilds the series, blocks and heads. Damaged files are detected by
///   checksum and reported in ``recoveryIssues`` with their path; the rest still opens and no
///   valid block or log record is dropped.
/// - Thread safety: appends to different series run concurrently (one lock per series); reads
///   may run during appends and see a consistent snapshot of each series.
///
/// The data directory layout and byte formats are specified in `docs/FORMAT.md`.
public final class Store: Sendable {
    public let configuration: StoreConfiguration
    /// The data directory, or nil for a memory-only store.
    public let directory: String?
    /// Problems found while opening (damaged blocks, torn log records), each naming its file.
    public var recoveryIssues: [StorageError] { issues.withLock { $0 } }
    private let issues = Mutex([StorageError]())

    struct Catalog: Sendable {
        var byKey: [SeriesKey: SeriesState] = [:]
        var byID: [UInt64: SeriesState] = [:]
        var nextID: UInt64 = 1
    }

    struct Segment: Sendable {
        let path: String
        let descriptor: Int32
        let byteCount: Int
    }

    struct FlushState: Sendable {
        var walDescriptor: Int32 = -1
        var nextSegment = 1
        var closed = false
    }

    let catalog = Mutex(Catalog())
    /// Write-ahead-log bytes not yet written to the file. Innermost lock: taken last.
    let walBuffer = Mutex([UInt8]())
    let segments = Mutex([Segment]())
    let flushState = Mutex(FlushState())
    let closedFlag = Atomic<Bool>(false)
    private let lockDescriptor: Atomic<Int32>

    var walPath: String? { directory.map { $0 + "/wal.log" } }
    var segmentDirectory: String? { directory.map { $0 + "/segments" } }

    /// Opens (creating if needed) a store in `directory`, or a memory-only store when nil.
    ///
    /// - Throws: ``StorageError/io(path:operation:errno:)`` when the directory cannot be
    ///   created, read or locked (another process has it open). Damage inside files does not
    ///   throw: it is reported in ``recoveryIssues``.
    public init(directory: String?, configuration: StoreConfiguration = StoreConfiguration()) throws {
        self.configuration = configuration
        self.directory = directory
        guard let directory else {
            lockDescriptor = Atomic(-1)
            return
        }
        try FileIO.createDirectory(directory)
        try FileIO.createDirectory(directory + "/segments")
        lockDescriptor = Atomic(try FileIO.lock(directory + "/LOCK"))
        do {
            let found = try recover()
            issues.withLock { $0 = found }
        } catch {
            releaseLock()
            throw error
        }
    }

    deinit {
        flushState.withLock { state in
            FileIO.closeDescriptor(state.walDescriptor)
        }
        segments.withLock { list in for s in list { FileIO.closeDescriptor(s.descriptor) } }
        releaseLock()
    }

    /// Releases the data directory's lock (once).
    func releaseLock() {
        FileIO.closeDescriptor(lockDescriptor.exchange(-1, ordering: .acquiringAndReleasing))
    }

    /// Rebuilds state from segments and the write-ahead log.
    private func recover() throws -> [StorageError] {
        guard let directory, let segmentDirectory, let walPath else { return [] }
        var issues: [StorageError] = []

        // 1. Segments: every valid block, indexed by series id.
        var blocksByID: [UInt64: [BlockReference]] = [:]
        var highestSequence = 0
        for name in try FileIO.list(segmentDirectory) {
            let path = segmentDirectory + "/" + name
            if name.hasSuffix(".tmp") {  // an interrupted write that was never acknowledged
                try FileIO.remove(path)
                continue
            }
            guard let sequence = SegmentFile.sequence(ofName: name) else { continue }
            highestSequence = max(highestSequence, sequence)
            let bytes = try FileIO.readAll(path)
            let (blocks, segmentIssues) = SegmentFile.scan(bytes, path: path)
            issues += segmentIssues
            let descriptor = try FileIO.openForReading(path)
            let index = segments.withLock { list in
                list.append(Segment(path: path, descriptor: descriptor, byteCount: bytes.count))
                return list.count - 1
            }
            for (offset, summary) in blocks {
                blocksByID[summary.seriesID, default: []].append(BlockReference(summary: summary, location: .segment(index, offset: offset)))
            }
        }
        flushState.withLock { $0.nextSegment = highestSequence + 1 }

        // 2. Write-ahead log: series definitions, then points replayed onto the heads.
        let walBytes = FileIO.exists(walPath) ? try FileIO.readAll(walPath) : []
        let (records, validLength, walIssues) = WriteAheadLog.parse(walBytes, path: walPath)
        issues += walIssues
        for case let .series(id, key, kind) in records { _ = register(id: id, key: key, kind: kind) }
        for (id, blocks) in blocksByID {
            let state: SeriesState
            if let known = catalog.withLock({ $0.byID[id] }) {
                state = known
            } else {
                // Blocks whose definition was lost are kept under a synthetic key.
                issues.append(StorageError.corrupt(what: "series \(id) has blocks but no definition; kept as unknown_series{series_id=\"\(id)\"}", offset: 0).located(in: walPath))
                let kind: SeriesKind = blocks.first?.summary.valueCodec == .payload ? .payload : .numeric
                state = register(id: id, key: try SeriesKey(name: "unknown_series", labels: [Label("series_id", String(id))]), kind: kind)
            }
            state.data.withLock { data in
                data.blocks = (data.blocks + blocks).sorted { $0.summary.firstTimestamp < $1.summary.firstTimestamp }
            }
        }
        for record in records {
            let id: UInt64
            switch record {
            case .series: continue
            case let .points(pointsID, _, _), let .payloads(pointsID, _, _): id = pointsID
            }
            guard let state = catalog.withLock({ $0.byID[id] }) else {
                issues.append(StorageError.corrupt(what: "points for undefined series \(id) dropped", offset: 0).located(in: walPath))
                continue
            }
            try state.data.withLock { data in
                var ignored = AppendResult()
                switch record {
                case let .points(_, timestamps, values) where state.kind == .numeric:
                    for i in timestamps.indices { _ = data.apply(timestamps[i], values[i], into: &ignored) }
                case let .payloads(_, timestamps, payloads) where state.kind == .payload:
                    for i in timestamps.indices { _ = data.apply(timestamps[i], payload: payloads[i], into: &ignored) }
                default:
                    issues.append(StorageError.corrupt(what: "points of the wrong kind for series \(id) dropped", offset: 0).located(in: walPath))
                }
                try sealReady(&data, series: state)
            }
        }

        // 3. Resume the log after its valid prefix, or start a fresh one with the catalog.
        if validLength >= WriteAheadLog.header.count {
            if validLength < walBytes.count { try FileIO.truncate(walPath, to: validLength) }
        } else {
            if !walBytes.isEmpty {
                let aside = walPath + ".damaged"
                try FileIO.writeAtomically(walBytes, to: aside, directory: directory)
                issues.append(StorageError.corrupt(what: "write-ahead log unreadable; copied to \(aside) and restarted", offset: 0).located(in: walPath))
            }
            try FileIO.writeAtomically(checkpointBytes(), to: walPath, directory: directory)
        }
        let descriptor = try FileIO.openForAppend(walPath)
        flushState.withLock { $0.walDescriptor = descriptor }
        return issues
    }

    /// Adds a series with a known id to the catalog (recovery) and returns it.
    private func register(id: UInt64, key: SeriesKey, kind: SeriesKind) -> SeriesState {
        catalog.withLock { catalog in
            if let existing = catalog.byID[id] { return existing }
            let state = SeriesState(id: id, key: key, kind: kind)
            catalog.byKey[key] = state
            catalog.byID[id] = state
            catalog.nextID = max(catalog.nextID, id + 1)
            return state
        }
    }

    /// The series for `key`, created (and logged) if new.
    /// - Throws: ``StorageError/invalidArgument(_:)`` if the series exists with another kind.
    func intern(_ key: SeriesKey, kind: SeriesKind) throws -> SeriesState {
        let state = catalog.withLock { catalog in
            if let existing = catalog.byKey[key] { return existing }
            let state = SeriesState(id: catalog.nextID, key: key, kind: kind)
            catalog.nextID += 1
            catalog.byKey[key] = state
            catalog.byID[state.id] = state
            if directory != nil {
                walBuffer.withLock { WriteAheadLog.appendSeries(id: state.id, key: key, kind: kind, to: &$0) }
            }
            return state
        }
        guard state.kind == kind else {
            throw StorageError.invalidArgument("series \(key) holds \(state.kind) data, not \(kind)")
        }
        return state
    }

    /// Seals every full head prefix of `data` into blocks.
    func sealReady(_ data: inout SeriesData, series: SeriesState) throws {
        while true {
            let capacity = series.kind == .payload ? max(1, configuration.blockCapacity / 16) : configuration.blockCapacity
            let count = data.sealableCount(capacity: capacity, maxSpan: configuration.maxBlockSpan)
            guard count > 0 else { return }
            try seal(&data, count: count, series: series)
        }
    }

    /// Encodes the first `count` head points as a block (kept in memory until the next flush).
    func seal(_ data: inout SeriesData, count: Int, series: SeriesState) throws {
        let encoder = try BlockEncoder(effort: configuration.encodingEffort)
        let bytes = try data.headTimestamps.withUnsafeBufferPointer { t in
            let timestamps = UnsafeBufferPointer(rebasing: t[0..<count])
            if series.kind == .payload {
                return try encoder.encode(seriesID: series.id, timestamps: timestamps, payloads: Array(data.headPayloads[0..<count]))
            }
            return try data.headValues.withUnsafeBufferPointer { v in
                try encoder.encode(seriesID: series.id, timestamps: timestamps, values: UnsafeBufferPointer(rebasing: v[0..<count]))
            }
        }
        let summary = try bytes.withUnsafeBytes { try BlockDecoder.summary(of: $0) }
        data.blocks.append(BlockReference(summary: summary, location: .memory(bytes)))
        data.headTimestamps.removeFirst(count)
        if series.kind == .payload { data.headPayloads.removeFirst(count) } else { data.headValues.removeFirst(count) }
    }

    /// The write-ahead log's content after a checkpoint: header, every series definition, and
    /// every point not yet in a segment file.
    func checkpointBytes() throws -> [UInt8] {
        var bytes = WriteAheadLog.header
        let all = catalog.withLock { $0.byID.values.sorted { $0.id < $1.id } }
        for state in all { WriteAheadLog.appendSeries(id: state.id, key: state.key, kind: state.kind, to: &bytes) }
        let decoder = try BlockDecoder()
        for state in all {
            let (unwritten, headTimestamps, headValues, headPayloads) = state.data.withLock { data in
                (data.blocks.compactMap { if case let .memory(b) = $0.location { b } else { nil } },
                 data.headTimestamps, data.headValues, data.headPayloads)
            }
            var timestamps: [Int64] = []
            if state.kind == .payload {
                var payloads: [[UInt8]] = []
                for block in unwritten {
                    let decoded = try decoder.decodePayloads(block)
                    timestamps += decoded.timestamps
                    payloads += decoded.payloads
                }
                timestamps += headTimestamps
                payloads += headPayloads
                if !timestamps.isEmpty { WriteAheadLog.appendPayloads(id: state.id, timestamps: timestamps, payloads: payloads, to: &bytes) }
                continue
            }
            var values: [Double] = []
            for block in unwritten { try decoder.decode(block, appendingTo: &timestamps, &values) }
            timestamps += headTimestamps
            values += headValues
            guard !timestamps.isEmpty else { continue }
            timestamps.withUnsafeBufferPointer { t in
                values.withUnsafeBufferPointer { v in
                    WriteAheadLog.appendPoints(id: state.id, timestamps: t, values: v, to: &bytes)
                }
            }
        }
        return bytes
    }
}
