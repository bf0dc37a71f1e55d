/// Maps attribute keys to small integer roles (an index in a caller's table): the one pass over
/// a span's attributes that finds everything a caller reads.
///
/// Keys are bucketed by UTF-8 length, so most keys cost one length check; a candidate of the
/// same length is compared byte-wise (not by Unicode canonical equivalence). The table lives in
/// memory allocated once and is read without reference counting (a copy of the value is a few
/// pointers): its owner calls ``deallocate()`` exactly once, after its last use.
struct KeyClassifier {
    /// Keys shorter than this are bucketed by length; longer ones share the last bucket.
    private static let buckets = 128

    private struct Entry {
        var offset: Int
        var count: Int
        var role: Int
    }

    /// Every key's UTF-8 bytes, concatenated.
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    /// Keys grouped by bucket: bucket `b` is `entries[bucketStart[b] ..< bucketStart[b + 1]]`.
    private let entries: UnsafeMutableBufferPointer<Entry>
    private let bucketStart: UnsafeMutableBufferPointer<Int>

    /// A key listed twice keeps its first role.
    init(_ roles: [(String, Int)]) {
        var unique: [(key: [UInt8], role: Int)] = []
        for (key, role) in roles where !unique.contains(where: { $0.key.elementsEqual(key.utf8) }) {
            unique.append((Array(key.utf8), role))
        }
        unique.sort { min($0.key.count, Self.buckets - 1) < min($1.key.count, Self.buckets - 1) }
        bytes = .allocate(capacity: max(1, unique.reduce(0) { $0 + $1.key.count }))
        entries = .allocate(capacity: max(1, unique.count))
        bucketStart = .allocate(capacity: Self.buckets + 1)
        var offset = 0
        for (index, item) in unique.enumerated() {
            for (position, byte) in item.key.enumerated() { bytes[offset + position] = byte }
            entries[index] = Entry(offset: offset, count: item.key.count, role: item.role)
            offset += item.key.count
        }
        var next = 0
        for bucket in 0...Self.buckets {
            while next < unique.count && min(unique[next].key.count, Self.buckets - 1) < bucket { next += 1 }
            bucketStart[bucket] = next
        }
    }

    func deallocate() {
        bytes.deallocate()
        entries.deallocate()
        bucketStart.deallocate()
    }

    /// The role of the key whose UTF-8 is `key`, or -1.
    ///
    /// - Complexity: O(keys of the same length), each compared with `memcmp` after their lengths.
    @inline(__always)
    func role(of key: UnsafeRawBufferPointer) -> Int {
        let count = key.count
        let bucket = min(count, Self.buckets - 1)
        let first = bucketStart[bucket], end = bucketStart[bucket + 1]
        for index in first..<end where entries[index].count == count {
            if count == 0 || memcmpEqual(bytes.baseAddress! + entries[index].offset, key.baseAddress!, count) { return entries[index].role }
        }
        return -1
    }
}
