/// Dictionary coding of a value column with few distinct values: the sorted distinct values
/// once, then one small index per point.
///
/// Operational series often repeat a handful of exact values (a gauge stuck on a few levels,
/// a ratio of small integers, counts): their order-0 entropy is a few bits per point, while
/// the byte planes of the values themselves spread that information over several planes that
/// each look random. Indices into the sorted dictionary keep it in one plane.
///
/// Layout: `varint entryCount` (1…count) · `u8 entry codec` (``ValueCodec`` id: decimal, XOR
/// or byte-stream split) · the entries in that codec's layout (sorted ascending, NaNs last by
/// bit pattern) · ``BytePlanes`` of the per-point indices.
enum DictionaryValueCodec {
    /// Dictionaries larger than this are not tried.
    static let maxEntries = 1 << 16

    /// The distinct bit patterns of `values` if there are few enough to be worth a dictionary
    /// (at most half the points and at most ``maxEntries``), judged first on a prefix so that
    /// columns of unique values are rejected cheaply.
    static func distinctValues(_ values: UnsafeBufferPointer<Double>) -> [UInt64]? {
        let n = values.count
        guard n >= 16 else { return nil }
        var seen = Set<UInt64>(minimumCapacity: 256)
        let prefix = min(n, 512)
        for i in 0..<prefix { seen.insert(values[i].bitPattern) }
        guard seen.count <= prefix / 2 else { return nil }
        for i in prefix..<n {
            seen.insert(values[i].bitPattern)
            if seen.count > min(n / 2, maxEntries) { return nil }
        }
        return seen.sorted { Double(bitPattern: $0).isTotallyOrdered(belowOrEqualTo: Double(bitPattern: $1)) && $0 != $1 }
    }

    static func encode(_ values: UnsafeBufferPointer<Double>, entries: [UInt64], to writer: inout ByteWriter,
                       encoder: BlockEncoder) throws {
        var rank = [UInt64: UInt64](minimumCapacity: entries.count)
        for (i, bits) in entries.enumerated() { rank[bits] = UInt64(i) }
        let entryValues = entries.map { Double(bitPattern: $0) }
        writer.writeVarint(UInt64(entries.count))
        let (codec, bytes) = try entryValues.withUnsafeBufferPointer { try encoder.encodeColumn($0, allowDictionary: false) }
        writer.write(codec.rawValue)
        writer.write(contentsOf: bytes)
        let indices = values.map { rank[$0.bitPattern] ?? 0 }
        try indices.withUnsafeBufferPointer { try BytePlanes.write($0, to: &writer, compressor: encoder.compressor, scratch: &encoder.planeScratch) }
    }

    static func decode(_ reader: inout ByteReader, into output: UnsafeMutableBufferPointer<Double>,
                       decoder: BlockDecoder) throws {
        let n = output.count
        let start = reader.absolutePosition
        let count = try reader.readCount("dictionary size", limit: min(n, maxEntries))
        guard count >= 1 else { throw StorageError.corrupt(what: "empty dictionary", offset: start) }
        let codecID = try reader.readByte("dictionary entry codec")
        guard let codec = ValueCodec(rawValue: codecID), codec != .dictionary else {
            throw StorageError.unknownCodec(what: "dictionary entry", id: Int(codecID))
        }
        var entries = [Double](repeating: 0, count: count)
        try entries.withUnsafeMutableBufferPointer { try codec.decode(&reader, into: $0, decoder: decoder) }
        let indices = decoder.words(n)
        try BytePlanes.read(&reader, into: indices, "dictionary index", scratch: decoder.streamScratch,
                            decompressor: decoder.decompressor)
        try entries.withUnsafeBufferPointer { table in
            for i in 0..<n {
                let index = indices[i]
                guard index < UInt64(count) else {
                    throw StorageError.corrupt(what: "dictionary index \(index) of \(count) at point \(i)", offset: start)
                }
                output[i] = table[Int(index)]
            }
        }
    }
}
