#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-plane transposition of 64-bit words with one chosen split: plane k holds 8 bits of
/// every word. Grouping bits of equal significance lets the entropy coder model each plane on
/// its own (high planes are nearly constant, low planes of noisy data are random), which is the
/// "byte stream split" encoding of Apache Parquet, generalised in two ways:
///
/// - A partial top plane of 1–4 bits is bit-packed (8, 4 or 2 values to a byte): a byte-wise
///   entropy coder cannot spend less than one bit per byte.
/// - The words are cut at a split bit `s`: the low `s` bits form one group of planes and the
///   bits from `s` up another, so that a plane boundary can sit where the data's structure is
///   (the noisy low bits apart from the informative high ones). The encoder ranks splits by
///   the order-0 entropy of the resulting planes on up to 256 words
///   (``candidateSplits(_:bitWidth:count:)``) and compresses a prefix with the best few to
///   pick one; on NAB this saves ~2 % over plain byte planes.
///
/// Layout: `u8 bitWidth` (0…64; every word is below 2^bitWidth) · `u8 split` (0…bitWidth) ·
/// the planes of bits `[0, split)` · the planes of bits `[split, bitWidth)`. The planes of a
/// group of `b` bits are `⌊b / 8⌋` byte-plane streams, then, if `b mod 8` is 1…4, one stream
/// of the remaining top bits packed with ``SmallIntegerPacking`` at 1, 2 or 4 bits (for 1, 2
/// and 3–4 bits), or, if it is 5…7, one more byte plane.
enum BytePlanes {
    /// The number of significant bits over all words (0 if all are zero).
    static func bitWidth(_ words: UnsafeBufferPointer<UInt64>) -> Int {
        var union: UInt64 = 0
        for w in words { union |= w }
        return 64 - union.leadingZeroBitCount
    }

    /// Byte planes and packed top-plane bits (0, 1, 2 or 4) for a group of `bits` bits.
    static func layout(bits: Int) -> (bytePlanes: Int, packedBits: Int) {
        let remainder = bits % 8
        switch remainder {
        case 0: return (bits / 8, 0)
        case 1, 2: return (bits / 8, remainder)
        case 3, 4: return (bits / 8, 4)
        default: return (bits / 8 + 1, 0)
        }
    }

    /// Writes the bit width, the split and the planes of `words`, with the split that
    /// compresses best on a prefix (see ``plan(_:candidates:compressor:scratch:)``) among the
    /// encoder's effort's candidates.
    static func write(_ words: UnsafeBufferPointer<UInt64>, to writer: inout ByteWriter, encoder: BlockEncoder) throws {
        let trialLength = encoder.effort.trialLength
        let trial = words.count > 2 * trialLength ? UnsafeBufferPointer(rebasing: words[0..<trialLength]) : words
        let split = try plan(trial, candidates: encoder.effort.splitCandidates, compressor: encoder.trialCompressor,
                             scratch: &encoder.planeScratch).split
        try write(words, split: split, to: &writer, compressor: encoder.compressor, scratch: &encoder.planeScratch)
    }

    /// Writes the bit width, `split` (clamped to the width) and the planes of `words`.
    static func write(_ words: UnsafeBufferPointer<UInt64>, split: Int, to writer: inout ByteWriter,
                      compressor: ZstdCompressor, scratch: inout [UInt8]) throws {
        let width = bitWidth(words)
        let cut = min(split, width)
        writer.write(UInt8(width))
        writer.write(UInt8(cut))
        try writeGroup(words, shift: 0, bits: cut, to: &writer, compressor: compressor, scratch: &scratch)
        try writeGroup(words, shift: cut, bits: width - cut, to: &writer, compressor: compressor, scratch: &scratch)
    }

    /// The best split for `words` among no split and the `candidates` best by
    /// ``candidateSplits(_:bitWidth:count:)``, judged by actually compressing `words` (pass a
    /// prefix to keep this cheap), with the encoded size it gave (0 when nothing was tried).
    static func plan(_ words: UnsafeBufferPointer<UInt64>, candidates: Int, compressor: ZstdCompressor,
                     scratch: inout [UInt8]) throws -> (split: Int, bytes: Int) {
        guard candidates > 0 else { return (0, 0) }
        let width = bitWidth(words)
        var best = (split: 0, bytes: Int.max)
        for split in [0] + candidateSplits(words, bitWidth: width, count: candidates) {
            var trial = ByteWriter()
            try write(words, split: split, to: &trial, compressor: compressor, scratch: &scratch)
            if trial.count < best.bytes { best = (split, trial.count) }
        }
        return best
    }

    /// Reads a bit width, a split and the planes into `words` (which it overwrites).
    /// - Returns: a bound `b` ≤ 64 with every decoded word below 2^b. It is the width the
    ///   planes can hold, which is the stored bit width unless the bytes are corrupt.
    @discardableResult
    static func read(_ reader: inout ByteReader, into words: UnsafeMutableBufferPointer<UInt64>,
                     _ what: String, scratch: ScratchBuffer, decompressor: ZstdDecompressor) throws -> Int {
        let widthOffset = reader.absolutePosition
        let width = Int(try reader.readByte("\(what) bit width"))
        let split = Int(try reader.readByte("\(what) split"))
        guard width <= 64, split <= width else {
            throw StorageError.corrupt(what: "\(what) bit width \(width) / split \(split)", offset: widthOffset)
        }
        // The first byte plane read assigns; anything else ORs into zeroed words.
        let firstGroupBits = split > 0 ? split : width
        if firstGroupBits < 5 { words.update(repeating: 0) }
        try readGroup(&reader, shift: 0, bits: split, into: words, assignFirst: split >= 5, what, scratch: scratch, decompressor: decompressor)
        try readGroup(&reader, shift: split, bits: width - split, into: words, assignFirst: split == 0 && width >= 5, what,
                      scratch: scratch, decompressor: decompressor)
        // Planes are whole bytes or 1/2/4-bit slots, so each group can hold a few more bits
        // than it was given.
        func end(shift: Int, bits: Int) -> Int {
            let (bytePlanes, packedBits) = layout(bits: bits)
            return shift + bytePlanes * 8 + packedBits
        }
        return min(64, max(end(shift: 0, bits: split), end(shift: split, bits: width - split)))
    }

    /// Writes the planes of `(word >> shift) & (2^bits − 1)`.
    private static func writeGroup(_ words: UnsafeBufferPointer<UInt64>, shift: Int, bits: Int, to writer: inout ByteWriter,
                                   compressor: ZstdCompressor, scratch: inout [UInt8]) throws {
        let n = words.count
        let (bytePlanes, packedBits) = layout(bits: bits)
        if scratch.count < n { scratch = [UInt8](repeating: 0, count: n) }
        for plane in 0..<(bytePlanes + (packedBits > 0 ? 1 : 0)) {
            let planeShift = UInt64(shift + plane * 8)
            let mask: UInt8 = plane < bytePlanes ? 0xFF : UInt8((1 << packedBits) - 1)
            scratch.withUnsafeMutableBufferPointer { out in extractPlane(words, shift: planeShift, mask: mask, into: out) }
            if plane < bytePlanes {
                try scratch.withUnsafeBytes { raw in
                    try ColumnStream.write(UnsafeRawBufferPointer(rebasing: raw[0..<n]), to: &writer, compressor: compressor)
                }
            } else {
                let packed = scratch.withUnsafeBufferPointer { SmallIntegerPacking.pack(UnsafeBufferPointer(rebasing: $0[0..<n]), bits: packedBits) }
                try ColumnStream.write(packed, to: &writer, compressor: compressor)
            }
        }
    }

    /// ORs the planes of one group into `words` at `shift` (the first byte plane assigns when
    /// `assignFirst`, which saves zeroing the words first).
    private static func readGroup(_ reader: inout ByteReader, shift: Int, bits: Int, into words: UnsafeMutableBufferPointer<UInt64>,
                                  assignFirst: Bool, _ what: String, scratch: ScratchBuffer, decompressor: ZstdDecompressor) throws {
        let n = words.count
        let (bytePlanes, packedBits) = layout(bits: bits)
        for plane in 0..<bytePlanes {
            let bytes = try ColumnStream.read(&reader, "\(what) plane \(shift + plane * 8)", expectedLength: n, limit: n,
                                              scratch: scratch, decompressor: decompressor)
            orPlane(bytes, shift: UInt64(shift + plane * 8), into: words, assign: assignFirst && plane == 0)
        }
        if packedBits > 0 {
            let length = SmallIntegerPacking.byteCount(n, bits: packedBits)
            let bytes = try ColumnStream.read(&reader, "\(what) packed bits \(shift + bytePlanes * 8)", expectedLength: length,
                                              limit: length, scratch: scratch, decompressor: decompressor)
            let planeShift = UInt64(shift + bytePlanes * 8)
            SmallIntegerPacking.forEachValue(skippingZeroChunks: bytes, count: n, bits: packedBits) { i, code in
                words[i] |= code &<< planeShift
            }
        }
    }

    /// `out[i] = UInt8(truncatingIfNeeded: words[i] >> shift) & mask`, eight lanes at a time.
    @inline(__always)
    private static func extractPlane(_ words: UnsafeBufferPointer<UInt64>, shift: UInt64, mask: UInt8,
                                     into out: UnsafeMutableBufferPointer<UInt8>) {
        let n = words.count
        guard let source = UnsafeRawPointer(words.baseAddress), let destination = UnsafeMutableRawPointer(out.baseAddress) else { return }
        let lanes = SIMD8<UInt64>(repeating: shift)
        let masks = SIMD8<UInt8>(repeating: mask)
        var i = 0
        while i + 8 <= n {
            let w = source.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<UInt64>.self)
            destination.storeBytes(of: SIMD8<UInt8>(truncatingIfNeeded: w &>> lanes) & masks, toByteOffset: i, as: SIMD8<UInt8>.self)
            i += 8
        }
        while i < n {
            out[i] = UInt8(truncatingIfNeeded: words[i] &>> shift) & mask
            i += 1
        }
    }

    /// `words[i] |= UInt64(bytes[i]) << shift` (or `=` when `assign`), eight lanes at a time.
    @inline(__always)
    private static func orPlane(_ bytes: UnsafeRawBufferPointer, shift: UInt64, into words: UnsafeMutableBufferPointer<UInt64>, assign: Bool) {
        let n = words.count
        guard let source = bytes.baseAddress, let destination = UnsafeMutableRawPointer(words.baseAddress) else { return }
        let lanes = SIMD8<UInt64>(repeating: shift)
        var i = 0
        if assign {
            while i + 8 <= n {
                let b = source.loadUnaligned(fromByteOffset: i, as: SIMD8<UInt8>.self)
                destination.storeBytes(of: SIMD8<UInt64>(truncatingIfNeeded: b) &<< lanes, toByteOffset: i * 8, as: SIMD8<UInt64>.self)
                i += 8
            }
            while i < n {
                words[i] = UInt64(bytes[i]) &<< shift
                i += 1
            }
            return
        }
        while i + 8 <= n {
            let b = source.loadUnaligned(fromByteOffset: i, as: SIMD8<UInt8>.self)
            let w = destination.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<UInt64>.self)
            destination.storeBytes(of: w | (SIMD8<UInt64>(truncatingIfNeeded: b) &<< lanes), toByteOffset: i * 8, as: SIMD8<UInt64>.self)
            i += 8
        }
        while i < n {
            words[i] |= UInt64(bytes[i]) &<< shift
            i += 1
        }
    }

    /// The split bit whose planes have the smallest summed order-0 entropy on a sample of up to
    /// 256 words; candidates are the top 24 bits (below them, noisy data is random whatever
    /// the split). Ties keep the plain byte-plane layout (split 0).
    /// - Complexity: O(min(n, 256) × 25 × planes).
    static func candidateSplits(_ words: UnsafeBufferPointer<UInt64>, bitWidth width: Int, count: Int) -> [Int] {
        let sample = UnsafeBufferPointer(rebasing: words[0..<min(words.count, 256)])
        guard width > 2, sample.count >= 64 else { return [] }
        var planeCache: [Int: Double] = [:]  // key: shift × 64 + bits of one plane
        func planeBits(shift: Int, bits: Int) -> Double {
            let key = shift * 64 + bits
            if let cached = planeCache[key] { return cached }
            let cost = EntropyEstimate.planeBits(sample, shift: shift, bits: bits)
            planeCache[key] = cost
            return cost
        }
        func groupBits(shift: Int, bits: Int) -> Double {
            let (bytePlanes, packedBits) = layout(bits: bits)
            var total = 0.0
            for plane in 0..<bytePlanes { total += planeBits(shift: shift + plane * 8, bits: min(8, bits - plane * 8)) }
            if packedBits > 0 { total += planeBits(shift: shift + bytePlanes * 8, bits: bits - bytePlanes * 8) }
            return total
        }
        var scored: [(split: Int, cost: Double)] = []
        for split in max(1, width - 24)..<width {
            let cost = groupBits(shift: 0, bits: split) + groupBits(shift: split, bits: width - split)
            scored.append((split, cost))
        }
        return scored.sorted { $0.cost < $1.cost }.prefix(count).map(\.split)
    }
}

/// Order-0 entropy estimates, the cost model behind the encoder's layout choices.
enum EntropyEstimate {
    /// Estimated encoded bits of one plane holding bits `[shift, shift + bits)` (bits ≤ 8) of
    /// each word: the order-0 entropy of its bytes, as stored (packed for 1–4 bits), with the
    /// one-bit-per-byte floor of a Huffman coder.
    static func planeBits(_ words: UnsafeBufferPointer<UInt64>, shift: Int, bits: Int) -> Double {
        var histogram = [Int](repeating: 0, count: 256)
        let mask = UInt64((1 << bits) - 1)
        let packed = bits <= 4 ? (bits <= 2 ? bits : 4) : 8
        let perByte = 8 / packed
        var byteCount = 0
        var i = 0
        while i < words.count {
            var byte: UInt64 = 0
            for j in 0..<perByte where i + j < words.count {
                byte |= ((words[i + j] &>> UInt64(shift)) & mask) &<< UInt64(j * packed)
            }
            histogram[Int(byte)] += 1
            byteCount += 1
            i += perByte
        }
        var entropy = 0.0
        let total = Double(byteCount)
        for count in histogram where count > 0 {
            let p = Double(count) / total
            entropy -= p * log2(p)
        }
        return max(entropy, 1) * total
    }
}

/// Small unsigned integers (below 2^bits, bits ∈ {1, 2, 4}) packed 8, 4 or 2 to a byte,
/// little-endian within the byte: value *i* sits at bit `(i mod (8/bits)) · bits` of byte
/// `i / (8/bits)`.
enum SmallIntegerPacking {
    static func byteCount(_ n: Int, bits: Int) -> Int { (n * bits + 7) / 8 }

    static func pack(_ values: UnsafeBufferPointer<UInt8>, bits: Int) -> [UInt8] {
        let perByte = 8 / bits
        var out = [UInt8](repeating: 0, count: byteCount(values.count, bits: bits))
        for i in values.indices {
            out[i / perByte] |= values[i] << UInt8((i % perByte) * bits)
        }
        return out
    }

    /// Calls `body(i, value)` for the `n` packed values (`bytes` must hold
    /// ``byteCount(_:bits:)`` bytes), except that 8-byte chunks of zeros are skipped whole:
    /// sparse columns (corrections, top bits) cost one load per chunk, and dense ones unpack
    /// without a branch per value. `body` therefore also sees zeros, and must treat 0 as "no
    /// change" (its callers OR or add the value).
    /// - Complexity: O(n).
    @inline(__always)
    static func forEachValue(skippingZeroChunks bytes: UnsafeRawBufferPointer, count n: Int, bits: Int,
                             _ body: (Int, UInt64) -> Void) {
        // One specialisation per width, so each chunk's loop has a constant trip count.
        switch bits {
        case 1: unpack(bytes, count: n, bits: 1, body)
        case 2: unpack(bytes, count: n, bits: 2, body)
        default: unpack(bytes, count: n, bits: 4, body)
        }
    }

    @inline(__always)
    private static func unpack(_ bytes: UnsafeRawBufferPointer, count n: Int, bits: Int, _ body: (Int, UInt64) -> Void) {
        let perChunk = 64 / bits
        let mask: UInt64 = (1 &<< UInt64(bits)) &- 1
        var i = 0
        var offset = 0
        // A little-endian 8-byte load puts value i + j of the chunk at bit j · bits.
        while i + perChunk <= n {
            var chunk = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            if chunk != 0 {
                for j in 0..<perChunk {
                    body(i + j, chunk & mask)
                    chunk &>>= UInt64(bits)
                }
            }
            i += perChunk
            offset += 8
        }
        while i < n {
            body(i, (UInt64(bytes[i * bits / 8]) &>> UInt64(i * bits % 8)) & mask)
            i += 1
        }
    }
}
