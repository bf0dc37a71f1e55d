/// Encodings of a block's timestamp column (Int64 milliseconds since the Unix epoch,
/// strictly increasing within a block).
///
/// The first timestamp lives in the block header, so a column of `n` timestamps encodes the
/// `n - 1` gaps after it:
/// - ``regular``: every gap is the same stride: one varint, ~0 bytes per sample.
/// - ``delta``: gaps divided by their greatest common divisor, as varints, in a stream.
/// - ``deltaOfDelta``: the first gap/gcd, then zigzag varints of the change between
///   consecutive gaps/gcd (Gorilla, Pelkonen et al., VLDB 2015) — smaller when gaps jitter
///   around a stride.
///
/// The encoder tries both irregular forms and keeps the smaller one.
public enum TimestampCodec: UInt8, Sendable, CaseIterable {
    case regular = 0
    case delta = 1
    case deltaOfDelta = 2

    /// Appends the encoding of `timestamps` (n ≥ 1, strictly increasing) to `writer`.
    static func encode(_ timestamps: UnsafeBufferPointer<Int64>, to writer: inout ByteWriter,
                       compressor: ZstdCompressor) throws -> TimestampCodec {
        let n = timestamps.count
        if n < 2 {
            writer.writeVarint(0)
            return .regular
        }
        // Gaps as UInt64: exact for any strictly increasing Int64 pair.
        var gaps = [UInt64](repeating: 0, count: n - 1)
        var divisor: UInt64 = 0
        var regular = true
        let stride = UInt64(bitPattern: timestamps[1] &- timestamps[0])
        for i in 1..<n {
            let gap = UInt64(bitPattern: timestamps[i] &- timestamps[i - 1])
            gaps[i - 1] = gap
            regular = regular && gap == stride
            divisor = gcd(divisor, gap)
        }
        if regular {
            writer.writeVarint(stride)
            return .regular
        }
        for i in gaps.indices { gaps[i] /= divisor }
        var deltaBytes: [UInt8] = []
        gaps.withUnsafeBufferPointer { appendVarints($0, to: &deltaBytes) }
        var dod = [UInt64](repeating: 0, count: n - 2)
        for i in 1..<gaps.count { dod[i - 1] = zigzagEncode(Int64(bitPattern: gaps[i] &- gaps[i - 1])) }
        var dodBytes: [UInt8] = []
        dod.withUnsafeBufferPointer { appendVarints($0, to: &dodBytes) }

        var deltaWriter = ByteWriter()
        deltaWriter.writeVarint(divisor)
        try ColumnStream.write(deltaBytes, to: &deltaWriter, compressor: compressor)
        var dodWriter = ByteWriter()
        dodWriter.writeVarint(divisor)
        dodWriter.writeVarint(gaps[0])
        try ColumnStream.write(dodBytes, to: &dodWriter, compressor: compressor)
        if dodWriter.count < deltaWriter.count {
            writer.write(contentsOf: dodWriter.bytes)
            return .deltaOfDelta
        }
        writer.write(contentsOf: deltaWriter.bytes)
        return .delta
    }

    /// Decodes `output.count` timestamps starting at `first` and checks that they are strictly
    /// increasing and end at `last`.
    func decode(_ reader: inout ByteReader, first: Int64, last: Int64, into output: UnsafeMutableBufferPointer<Int64>,
                scratch: ScratchBuffer, words: UnsafeMutableBufferPointer<UInt64>, decompressor: ZstdDecompressor) throws {
        let n = output.count
        guard n > 0 else { return }
        output[0] = first
        let start = reader.absolutePosition
        switch self {
        case .regular:
            let stride = try reader.readVarint("timestamp stride")
            guard n == 1 || stride > 0 else { throw StorageError.corrupt(what: "timestamp stride 0", offset: start) }
            // The whole column must fit in Int64: checking the end checks every step.
            guard n == 1 || (stride <= UInt64(Int64.max)
                    && Int64(bitPattern: stride).multipliedReportingOverflow(by: Int64(n - 1)).overflow == false
                    && first.addingReportingOverflow(Int64(bitPattern: stride) * Int64(n - 1)).overflow == false) else {
                throw StorageError.corrupt(what: "timestamp stride \(stride) overflows for \(n) points", offset: start)
            }
            let step = Int64(bitPattern: stride)
            guard let base = UnsafeMutableRawPointer(output.baseAddress) else { return }
            var lanes = SIMD8<Int64>(0, 1, 2, 3, 4, 5, 6, 7) &* step &+ first
            let advance = SIMD8<Int64>(repeating: step &* 8)
            var i = 0
            while i + 8 <= n {
                base.storeBytes(of: lanes, toByteOffset: i * 8, as: SIMD8<Int64>.self)
                lanes &+= advance
                i += 8
            }
            while i < n {
                output[i] = first &+ Int64(i) &* step
                i += 1
            }
        case .delta, .deltaOfDelta:
            guard n >= 2 else { throw StorageError.corrupt(what: "irregular timestamps for one point", offset: start) }
            let divisor = try reader.readVarint("timestamp gcd")
            guard divisor > 0 else { throw StorageError.corrupt(what: "timestamp gcd 0", offset: start) }
            let gaps = UnsafeMutableBufferPointer(rebasing: words[0..<(n - 1)])
            if self == .delta {
                let bytes = try ColumnStream.read(&reader, "timestamp gaps", limit: 10 * (n - 1), scratch: scratch, decompressor: decompressor)
                try decodeVarints(bytes, into: gaps, "timestamp gaps", offset: start)
            } else {
                gaps[0] = try reader.readVarint("first timestamp gap")
                if n > 2 {
                    let bytes = try ColumnStream.read(&reader, "timestamp gap changes", limit: 10 * (n - 2), scratch: scratch, decompressor: decompressor)
                    let changes = UnsafeMutableBufferPointer(rebasing: gaps[1...])
                    try decodeVarints(bytes, into: changes, "timestamp gap changes", offset: start)
                    var previous = gaps[0]
                    for i in 1..<(n - 1) {
                        previous = previous &+ UInt64(bitPattern: zigzagDecode(gaps[i]))
                        gaps[i] = previous
                    }
                }
            }
            var t = first
            for i in 1..<n {
                let (gap, scaleOverflow) = gaps[i - 1].multipliedReportingOverflow(by: divisor)
                let (next, overflow) = t.addingReportingOverflow(Int64(bitPattern: gap))
                guard gap > 0, !scaleOverflow, !overflow, gap <= UInt64(Int64.max) else {
                    throw StorageError.corrupt(what: "timestamp gap \(i - 1) not positive or overflows", offset: start)
                }
                t = next
                output[i] = t
            }
        }
        guard output[n - 1] == last else {
            throw StorageError.corrupt(what: "timestamps end at \(output[n - 1]), header says \(last)", offset: start)
        }
    }
}

/// Greatest common divisor (Euclid); gcd(0, x) = x.
@inlinable func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return x
}
