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

    /// The distinct bit patterns of `values`, sorted, with a table from pattern to rank, if
    /// there are few enough to be worth a dictionary (at most half the points and at most
    /// ``maxEntries``), judged first on a prefix so that columns of unique values are rejected
    /// cheaply.
    static func distinctValues(_ values: UnsafeBufferPointer<Double>) -> (entries: [UInt64], ranks: BitPatternTable)? {
        let n = values.count
        guard n >= 16 else { return nil }
        let limit = min(n / 2, maxEntries)
        var table = BitPatternTable(capacity: limit)
        let prefix = min(n, 512)
        for i in 0..<prefix { table.insert(values[i].bitPattern) }
        guard table.count <= prefix / 2 else { return nil }
        for i in prefix..<n {
            table.insert(values[i].bitPattern)
            if table.count > limit { return nil }
        }
        let entries = table.keys.sorted { Double(bitPattern: $0).isTotallyOrdered(belowOrEqualTo: Double(bitPattern: $1)) && $0 != $1 }
        for (rank, bits) in entries.enumerated() { table.setValue(UInt32(rank), for: bits) }
        return (entries, table)
    }

    static func encode(_ values: UnsafeBufferPointer<Double>, entries: [UInt64], ranks: BitPatternTable,
                       to writer: inout ByteWriter, encoder: BlockEncoder) throws {
        let entryValues = entries.map { Double(bitPattern: $0) }
        writer.writeVarint(UInt64(entries.count))
        let (codec, bytes) = try entryValues.withUnsafeBufferPointer { try encoder.encodeColumn($0, allowDictionary: false) }
        writer.write(codec.rawValue)
        writer.write(contentsOf: bytes)
        let indices = values.map { UInt64(ranks.value(for: $0.bitPattern)) }
        try indices.withUnsafeBufferPointer { try BytePlanes.write($0, to: &writer, encoder: encoder) }
    }

    static func decode(_ reader: inout ByteReader, into output: UnsafeMutableBufferPointer<Double>,
                       decoder: BlockDecoder) throws {
        let n = output.count
        let start = reader.absolutePosition
        let count = try reader.readCount("dictionary size", limit: min(n, maxEntries))
        guard count >= 1 else { throw StorageError.corrupt(what: "empty dictionary", offset: start) }
        let codecID = try reader.readByte("dictionary entry codec")
        guard let codec = ValueCodec(rawValue: codecID), codec != .dictionary, codec != .payload else {
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

/// An open-addressing hash table from 64-bit patterns to 32-bit values, for counting and
/// ranking distinct values in a block. Swift's `Set` hashes with SipHash (~20 ns per value);
/// this uses one multiply (Fibonacci hashing, Knuth TAOCP vol. 3 §6.4) and linear probing.
struct BitPatternTable {
    private var slots: [UInt64]
    private var values: [UInt32]
    private var used: [Bool]
    private let shift: UInt64
    private let mask: Int
    private(set) var keys: [UInt64] = []
    var count: Int { keys.count }

    /// A table for up to `capacity` distinct keys (plus one, so that the caller can see the
    /// count pass its limit); the load factor stays at most 1/2.
    init(capacity: Int) {
        var size = 16
        while size < 2 * (capacity + 1) { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        values = [UInt32](repeating: 0, count: size)
        used = [Bool](repeating: false, count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
        mask = size - 1
    }

    private func slot(of key: UInt64) -> (index: Int, found: Bool) {
        var i = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while used[i] {
            if slots[i] == key { return (i, true) }
            i = (i + 1) & mask
        }
        return (i, false)
    }

    /// Adds `key` unless present or the table is full.
    mutating func insert(_ key: UInt64) {
        let (i, found) = slot(of: key)
        guard !found, keys.count * 2 < slots.count else { return }
        used[i] = true
        slots[i] = key
        keys.append(key)
    }

    mutating func setValue(_ value: UInt32, for key: UInt64) {
        let (i, found) = slot(of: key)
        if found { values[i] = value }
    }

    /// The value stored for `key` (0 if absent).
    func value(for key: UInt64) -> UInt32 {
        let (i, found) = slot(of: key)
        return found ? values[i] : 0
    }
}
