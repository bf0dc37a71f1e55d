extension Store {
    var isClosed: Bool { closedFlag.load(ordering: .acquiring) }

    /// Makes every point appended before this call durable.
    ///
    /// Sealed blocks are written to a new segment file (temp file, fsync, rename, fsync of the
    /// directory); the write-ahead log is written and fsynced; when the log has grown past
    /// ``StoreConfiguration/walCheckpointBytes`` it is rewritten to hold only the catalog and
    /// unsealed points. Flushes are serialised; appends continue while a flush runs.
    /// A memory-only store has nothing to flush.
    ///
    /// - Throws: ``StorageError/io(path:operation:errno:)`` if a write or sync fails; what
    ///   was durable before stays durable.
    public func flush() throws {
        guard directory != nil else { return }
        try flushState.withLock { state in
            guard !state.closed else { throw StorageError.invalidArgument("flush of a closed store") }
            try writeSealedBlocks(&state)
            try writeLog(&state, sync: true)
            if let walPath, FileIO.size(walPath) > configuration.walCheckpointBytes { try checkpoint(&state) }
        }
    }

    /// Flushes, then stops accepting appends and flushes (they throw) and releases the data
    /// directory for another ``Store`` to open; reads keep working.
    ///
    /// - Parameter sealingHeads: also seal every head into a block and shrink the write-ahead
    ///   log to the catalog, leaving the directory compact — right after a batch import. Live
    ///   stores keep their heads in the log instead, so that late points newer than the sealed
    ///   data are still accepted after a restart.
    public func close(sealingHeads: Bool = false) throws {
        guard !closedFlag.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if sealingHeads { try sealHeads() }
        guard directory != nil else { return }
        try flushState.withLock { state in
            try writeSealedBlocks(&state)
            try writeLog(&state, sync: true)
            if sealingHeads { try checkpoint(&state) }
            state.closed = true
            FileIO.closeDescriptor(state.walDescriptor)
            state.walDescriptor = -1
        }
        releaseLock()
    }

    /// Seals every non-empty head into a block (however few points it holds).
    func sealHeads() throws {
        for series in catalog.withLock({ Array($0.byID.values) }) {
            try series.data.withLock { data in
                let count = data.headTimestamps.count
                guard count > 0 else { return }
                try seal(&data, count: count, series: series)
            }
        }
    }

    /// Writes buffered log bytes (without fsync) once they pass the configured bound, unless a
    /// flush is already doing it.
    func spillLogIfLarge() throws {
        guard walBuffer.withLock({ $0.count }) > configuration.walBufferBytes else { return }
        _ = try flushState.withLockIfAvailable { state in
            if !state.closed { try writeLog(&state, sync: false) }
        }
    }

    private func writeLog(_ state: inout FlushState, sync: Bool) throws {
        guard let walPath else { return }
        let pending = walBuffer.withLock { buffer in
            let taken = buffer
            buffer = []
            return taken
        }
        if !pending.isEmpty {
            try pending.withUnsafeBytes { try FileIO.writeAll(state.walDescriptor, $0, path: walPath) }
        }
        if sync { try FileIO.sync(state.walDescriptor, path: walPath) }
    }

    /// Moves every in-memory sealed block into a new segment file.
    private func writeSealedBlocks(_ state: inout FlushState) throws {
        guard let segmentDirectory else { return }
        let all = catalog.withLock { Array($0.byID.values) }
        var pending: [(series: SeriesState, first: Int64, bytes: [UInt8])] = []
        for series in all {
            series.data.withLock { data in
                for block in data.blocks {
                    if case let .memory(bytes) = block.location {
                        pending.append((series, block.summary.firstTimestamp, bytes))
                    }
                }
            }
        }
        guard !pending.isEmpty else { return }
        let (bytes, offsets) = SegmentFile.build(pending.map(\.bytes))
        let path = segmentDirectory + "/" + SegmentFile.name(sequence: state.nextSegment)
        try FileIO.writeAtomically(bytes, to: path, directory: segmentDirectory)
        state.nextSegment += 1
        let descriptor = try FileIO.openForReading(path)
        let index = segments.withLock { list in
            list.append(Segment(path: path, descriptor: descriptor, byteCount: bytes.count))
            return list.count - 1
        }
        for (k, entry) in pending.enumerated() {
            entry.series.data.withLock { data in
                if let i = data.blocks.firstIndex(where: { $0.summary.firstTimestamp == entry.first }) {
                    data.blocks[i].location = .segment(index, offset: offsets[k])
                }
            }
        }
    }

    /// Rewrites the log as catalog + unsealed points (the buffer keeps what arrives meanwhile).
    private func checkpoint(_ state: inout FlushState) throws {
        guard let directory, let walPath else { return }
        let bytes = try checkpointBytes()
        try FileIO.writeAtomically(bytes, to: walPath, directory: directory)
        FileIO.closeDescriptor(state.walDescriptor)
        state.walDescriptor = try FileIO.openForAppend(walPath)
    }
}
