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
        for case let .series(id, key) in records { _ = register(id: id, key: key) }
        for (id, blocks) in blocksByID {
            let state: SeriesState
            if let known = catalog.withLock({ $0.byID[id] }) {
                state = known
            } else {
                // Blocks whose definition was lost are kept under a synthetic key.
                issues.append(StorageError.corrupt(what: "series \(id) has blocks but no definition; kept as unknown_series{series_id=\"\(id)\"}", offset: 0).located(in: walPath))
                state = register(id: id, key: try SeriesKey(name: "unknown_series", labels: [Label("series_id", String(id))]))
            }
            state.data.withLock { data in
                data.blocks = (data.blocks + blocks).sorted { $0.summary.firstTimestamp < $1.summary.firstTimestamp }
            }
        }
        for case let .points(id, timestamps, values) in records {
            guard let state = catalog.withLock({ $0.byID[id] }) else {
                issues.append(StorageError.corrupt(what: "points for undefined series \(id) dropped", offset: 0).located(in: walPath))
                continue
            }
            _ = try state.data.withLock { data in
                var ignored = AppendResult()
                for i in timestamps.indices { _ = data.apply(timestamps[i], values[i], into: &ignored) }
                return try sealReady(&data, seriesID: id)
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
    private func register(id: UInt64, key: SeriesKey) -> SeriesState {
        catalog.withLock { catalog in
            if let existing = catalog.byID[id] { return existing }
            let state = SeriesState(id: id, key: key)
            catalog.byKey[key] = state
            catalog.byID[id] = state
            catalog.nextID = max(catalog.nextID, id + 1)
            return state
        }
    }

    /// The series for `key`, created (and logged) if new.
    func intern(_ key: SeriesKey) -> SeriesState {
        if let existing = catalog.withLock({ $0.byKey[key] }) { return existing }
        return catalog.withLock { catalog in
            if let existing = catalog.byKey[key] { return existing }
            let state = SeriesState(id: catalog.nextID, key: key)
            catalog.nextID += 1
            catalog.byKey[key] = state
            catalog.byID[state.id] = state
            if directory != nil {
                walBuffer.withLock { WriteAheadLog.appendSeries(id: state.id, key: key, to: &$0) }
            }
            return state
        }
    }

    /// Seals every full head prefix of `data` into blocks.
    func sealReady(_ data: inout SeriesData, seriesID: UInt64) throws {
        while true {
            let count = data.sealableCount(capacity: configuration.blockCapacity, maxSpan: configuration.maxBlockSpan)
            guard count > 0 else { return }
            try seal(&data, count: count, seriesID: seriesID)
        }
    }

    /// Encodes the first `count` head points as a block (kept in memory until the next flush).
    func seal(_ data: inout SeriesData, count: Int, seriesID: UInt64) throws {
        let encoder = try BlockEncoder(effort: configuration.encodingEffort)
        let bytes = try data.headTimestamps.withUnsafeBufferPointer { t in
            try data.headValues.withUnsafeBufferPointer { v in
                try encoder.encode(seriesID: seriesID, timestamps: UnsafeBufferPointer(rebasing: t[0..<count]),
                                   values: UnsafeBufferPointer(rebasing: v[0..<count]))
            }
        }
        let summary = try bytes.withUnsafeBytes { try BlockDecoder.summary(of: $0) }
        data.blocks.append(BlockReference(summary: summary, location: .memory(bytes)))
        data.headTimestamps.removeFirst(count)
        data.headValues.removeFirst(count)
    }

    /// The write-ahead log's content after a checkpoint: header, every series definition, and
    /// every point not yet in a segment file.
    func checkpointBytes() throws -> [UInt8] {
        var bytes = WriteAheadLog.header
        let all = catalog.withLock { $0.byID.values.sorted { $0.id < $1.id } }
        for state in all { WriteAheadLog.appendSeries(id: state.id, key: state.key, to: &bytes) }
        let decoder = try BlockDecoder()
        for state in all {
            var (timestamps, values) = ([Int64](), [Double]())
            let unwritten = state.data.withLock { data -> [[UInt8]] in
                (timestamps, values) = (data.headTimestamps, data.headValues)
                return data.blocks.compactMap { if case let .memory(b) = $0.location { b } else { nil } }
            }
            var allTimestamps: [Int64] = [], allValues: [Double] = []
            for block in unwritten { try decoder.decode(block, appendingTo: &allTimestamps, &allValues) }
            allTimestamps += timestamps
            allValues += values
            guard !allTimestamps.isEmpty else { continue }
            allTimestamps.withUnsafeBufferPointer { t in
                allValues.withUnsafeBufferPointer { v in
                    WriteAheadLog.appendPoints(id: state.id, timestamps: t, values: v, to: &bytes)
                }
            }
        }
        return bytes
    }
}
