/// The sketch byte format, version 1 (specified byte by byte in docs/SKETCHES.md).
enum SketchFormat {
    static let version: UInt8 = 1
    /// The largest count a decoded sketch may claim (2⁵⁶): merging up to 256 decoded sketches
    /// cannot overflow the 64-bit counters.
    static let maxCount: UInt64 = 1 << 56

    enum StoreEncoding: UInt8 {
        case empty = 0
        /// k, first index, first count, then (gap, count) pairs.
        case sparse = 1
        /// First index, length, then one count per index.
        case dense = 2
    }
}

extension DDSketch {
    /// The sketch as compact bytes: a version byte, the mapping, the exact statistics and the
    /// non-empty buckets as varint index deltas and counts (each store in whichever of a sparse
    /// or a dense layout is shorter). See docs/SKETCHES.md for the layout.
    ///
    /// - Complexity: O(bucket slots).
    public func serialized() -> [UInt8] {
        var writer = SketchByteWriter(capacity: 48 + 3 * (positive.slotCount + negative.slotCount))
        Self.writeHeader(mapping: mapping, maxBuckets: maxBuckets, to: &writer)
        writeBody(to: &writer)
        return writer.bytes
    }

    /// Decodes bytes written by ``serialized()``.
    ///
    /// Never traps and never allocates more than the validated bucket limit (at most 512 KiB
    /// per store) on any input: every field is checked before it is used.
    ///
    /// - Throws: ``SketchError`` naming the field and byte offset of the first problem, including
    ///   trailing bytes after the sketch.
    /// - Complexity: O(bytes + bucket slots).
    public init(serialized bytes: some Collection<UInt8>) throws(SketchError) {
        self = try withSketchBytes(Array(bytes)) { (buffer) throws(SketchError) -> DDSketch in
            var reader = SketchByteReader(buffer)
            let (mapping, maxBuckets) = try Self.readHeader(&reader)
            let sketch = try Self.readBody(&reader, mapping: mapping, maxBuckets: maxBuckets)
            guard reader.isAtEnd else {
                throw .corrupt(what: "sketch (\(reader.remaining) trailing bytes)", offset: reader.absolutePosition)
            }
            return sketch
        }
    }

    // MARK: Header: version, mapping, bucket limit

    static func writeHeader(mapping: IndexMapping, maxBuckets: Int, to writer: inout SketchByteWriter) {
        writer.writeByte(SketchFormat.version)
        writeMapping(mapping, maxBuckets: maxBuckets, to: &writer)
    }

    static func writeMapping(_ mapping: IndexMapping, maxBuckets: Int, to writer: inout SketchByteWriter) {
        writer.writeByte(mapping.kind.rawValue)
        if mapping.kind == .exponentialHistogram {
            writer.writeSignedVarint(Int64(mapping.scale))
        } else {
            writer.writeDouble(mapping.relativeAccuracy)
        }
        writer.writeVarint(UInt64(maxBuckets))
    }

    static func readHeader(_ reader: inout SketchByteReader) throws(SketchError) -> (IndexMapping, Int) {
        let versionOffset = reader.absolutePosition
        let version = try reader.readByte("sketch format version")
        if version == 0 { throw .corrupt(what: "sketch format version 0", offset: versionOffset) }
        if version > SketchFormat.version {
            throw .unsupportedVersion(what: "sketch", found: Int(version), supported: Int(SketchFormat.version))
        }
        return try readMapping(&reader)
    }

    static func readMapping(_ reader: inout SketchByteReader) throws(SketchError) -> (IndexMapping, Int) {
        let kindOffset = reader.absolutePosition
        let rawKind = try reader.readByte("mapping kind")
        guard let kind = IndexMapping.Kind(rawValue: rawKind) else {
            throw .corrupt(what: "mapping kind \(rawKind)", offset: kindOffset)
        }
        let mapping: IndexMapping
        if kind == .exponentialHistogram {
            let scales = IndexMapping.scales
            let scale = try reader.readSigned("mapping scale", in: Int64(scales.lowerBound)...Int64(scales.upperBound))
            mapping = .exponentialHistogram(scale: Int(scale))
        } else {
            let accuracyOffset = reader.absolutePosition
            let accuracy = try reader.readDouble("relative accuracy")
            guard IndexMapping.isValidRelativeAccuracy(accuracy) else {
                throw .corrupt(what: "relative accuracy \(accuracy)", offset: accuracyOffset)
            }
            mapping = .make(kind, relativeAccuracy: accuracy)
        }
        let maxBuckets = try reader.readCount("maxBuckets", in: 1...UInt64(DenseStore.maxBucketsLimit))
        return (mapping, Int(maxBuckets))
    }

    // MARK: Body: statistics and stores

    func writeBody(to writer: inout SketchByteWriter) {
        writer.writeVarint(_count)
        writer.writeVarint(_zeroCount)
        writer.writeVarint(_nanCount)
        writer.writeVarint(_infinityCount)
        if _count > 0 {
            writer.writeDouble(_sum)
            writer.writeDouble(_minimum)
            writer.writeDouble(_maximum)
        }
        Self.writeStore(positive, to: &writer)
        Self.writeStore(negative, to: &writer)
    }

    static func readBody(_ reader: inout SketchByteReader, mapping: IndexMapping,
                         maxBuckets: Int) throws(SketchError) -> DDSketch {
        var sketch = DDSketch(mapping: mapping, maxBuckets: maxBuckets)
        let countOffset = reader.absolutePosition
        let limit = 0...SketchFormat.maxCount
        sketch._count = try reader.readCount("count", in: limit)
        sketch._zeroCount = try reader.readCount("zero count", in: limit)
        sketch._nanCount = try reader.readCount("NaN count", in: limit)
        sketch._infinityCount = try reader.readCount("infinity count", in: limit)
        if sketch._count > 0 {
            sketch._sum = try reader.readDouble("sum")
            let minimumOffset = reader.absolutePosition
            sketch._minimum = try reader.readDouble("minimum")
            sketch._maximum = try reader.readDouble("maximum")
            guard sketch._minimum.isFinite, sketch._maximum.isFinite, sketch._minimum <= sketch._maximum else {
                throw .corrupt(what: "minimum \(sketch._minimum) / maximum \(sketch._maximum)", offset: minimumOffset)
            }
        }
        sketch.positive = try readStore(&reader, name: "positive store", mapping: mapping, maxBuckets: maxBuckets)
        sketch.negative = try readStore(&reader, name: "negative store", mapping: mapping, maxBuckets: maxBuckets)
        let (partial, overflow1) = sketch.positive.totalCount.addingReportingOverflow(sketch.negative.totalCount)
        let (total, overflow2) = partial.addingReportingOverflow(sketch._zeroCount)
        guard !overflow1, !overflow2, total == sketch._count else {
            throw .corrupt(what: "count \(sketch._count) ≠ zero count + bucket counts", offset: countOffset)
        }
        return sketch
    }

    static func writeStore(_ store: DenseStore, to writer: inout SketchByteWriter) {
        let buckets = store.buckets
        guard let first = buckets.first, let last = buckets.last else {
            writer.writeByte(SketchFormat.StoreEncoding.empty.rawValue)
            return
        }
        // Dense costs a byte per empty slot in the range; sparse a gap per non-empty bucket.
        var denseSize = SketchByteWriter.varintSize(UInt64(last.index - first.index + 1))
        var sparseSize = SketchByteWriter.varintSize(UInt64(buckets.count))
        var previous = first.index
        for (index, count) in buckets {
            let size = SketchByteWriter.varintSize(count)
            denseSize += size
            sparseSize += size + (index == first.index ? 0 : SketchByteWriter.varintSize(UInt64(index - previous)))
            previous = index
        }
        denseSize += (last.index - first.index + 1) - buckets.count
        if denseSize <= sparseSize {
            writer.writeByte(SketchFormat.StoreEncoding.dense.rawValue)
            writer.writeSignedVarint(Int64(first.index))
            writer.writeVarint(UInt64(last.index - first.index + 1))
            for index in first.index...last.index { writer.writeVarint(store[index]) }
        } else {
            writer.writeByte(SketchFormat.StoreEncoding.sparse.rawValue)
            writer.writeVarint(UInt64(buckets.count))
            writer.writeSignedVarint(Int64(first.index))
            writer.writeVarint(first.count)
            var previous = first.index
            for (index, count) in buckets.dropFirst() {
                writer.writeVarint(UInt64(index - previous))
                writer.writeVarint(count)
                previous = index
            }
        }
    }

    static func readStore(_ reader: inout SketchByteReader, name: String, mapping: IndexMapping,
                          maxBuckets: Int) throws(SketchError) -> DenseStore {
        let encodingOffset = reader.absolutePosition
        let rawEncoding = try reader.readByte("\(name) encoding")
        guard let encoding = SketchFormat.StoreEncoding(rawValue: rawEncoding) else {
            throw .corrupt(what: "\(name) encoding \(rawEncoding)", offset: encodingOffset)
        }
        let indices = mapping.indexRange
        let indexLimit = Int64(indices.lowerBound)...Int64(indices.upperBound)
        let countLimit = 1...SketchFormat.maxCount
        switch encoding {
        case .empty:
            return DenseStore(maxBuckets: maxBuckets)
        case .dense:
            let first = Int(try reader.readSigned("\(name) first index", in: indexLimit))
            // Each count takes at least one byte: the length is checked against the bytes left
            // before anything is allocated.
            let lengthOffset = reader.absolutePosition
            let length = Int(try reader.readCount("\(name) length", in: 1...UInt64(maxBuckets)))
            guard length <= reader.remaining else { throw .truncated(what: "\(name) counts", offset: lengthOffset) }
            guard first + length - 1 <= indices.upperBound else {
                throw .corrupt(what: "\(name) last index \(first + length - 1)", offset: lengthOffset)
            }
            var counts = [UInt64](repeating: 0, count: length)
            var total: UInt64 = 0
            for k in 0..<length {
                let countOffset = reader.absolutePosition
                let range = (k == 0 || k == length - 1) ? countLimit : 0...SketchFormat.maxCount
                counts[k] = try reader.readCount("\(name) count \(k)", in: range)
                total &+= counts[k]
                if total > SketchFormat.maxCount { throw .corrupt(what: "\(name) total count", offset: countOffset) }
            }
            return DenseStore(maxBuckets: maxBuckets, low: first, counts: counts)
        case .sparse:
            let kOffset = reader.absolutePosition
            let k = Int(try reader.readCount("\(name) bucket count", in: 1...UInt64(maxBuckets)))
            guard 2 * k <= reader.remaining else { throw .truncated(what: "\(name) buckets", offset: kOffset) }
            let first = Int(try reader.readSigned("\(name) first index", in: indexLimit))
            var entries: [(index: Int, count: UInt64)] = []
            entries.reserveCapacity(k)
            var total = try reader.readCount("\(name) count 0", in: countLimit)
            entries.append((first, total))
            var index = first
            for i in 1..<k {
                let gapOffset = reader.absolutePosition
                let gap = try reader.readCount("\(name) index gap \(i)", in: 1...UInt64(maxBuckets))
                index += Int(gap)
                guard index - first < maxBuckets, index <= indices.upperBound else {
                    throw .corrupt(what: "\(name) index \(index) (span over \(maxBuckets) buckets)", offset: gapOffset)
                }
                let countOffset = reader.absolutePosition
                let count = try reader.readCount("\(name) count \(i)", in: countLimit)
                total &+= count
                if total > SketchFormat.maxCount { throw .corrupt(what: "\(name) total count", offset: countOffset) }
                entries.append((index, count))
            }
            var counts = [UInt64](repeating: 0, count: index - first + 1)
            for entry in entries { counts[entry.index - first] = entry.count }
            return DenseStore(maxBuckets: maxBuckets, low: first, counts: counts)
        }
    }
}
