@testable import ForeshockStorage
import ForeshockTestSupport
import Testing

// MARK: - Deterministic randomness

extension SplitMix64 {
    /// A uniformly random element of a non-empty array.
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

// MARK: - Value families

/// Families of Float64 columns that exercise different corners of the value codecs.
enum ValueFamily: CaseIterable, Sendable {
    /// Doubles nearest to decimals with 0...6 fractional digits (one digit count per block).
    case decimals
    /// Integral values.
    case integers
    /// Mostly short decimals, some nudged by ±1–2 ulps like CSV artefacts (`0.20199999999999999`).
    case binaryArtefacts
    /// Random full-precision doubles of moderate magnitude.
    case fullPrecision
    /// Any UInt64 as a bit pattern: NaNs with payloads, infinities, subnormals, everything.
    case randomBits
    /// ±Inf, ±0, NaN payloads, subnormals, greatest/least magnitudes, mixed with ordinary values.
    case specials
    /// One value repeated (possibly a special value).
    case constant
    /// Integers around and beyond 2^53, up to the greatest finite magnitude.
    case hugeIntegers
    /// Decimals with occasional NaN and infinities.
    case decimalsWithGaps
    /// Every value a NaN (various payloads and signs).
    case allNaN
    /// Each element drawn from a random family.
    case mixed

    static let specialValues: [Double] = [
        .infinity, -.infinity, 0.0, -0.0, .nan, -.nan, .signalingNaN,
        Double(bitPattern: 0x7FF8_0000_DEAD_BEEF), Double(bitPattern: 0xFFF0_0000_0000_0001),
        Double(bitPattern: 0x7FF0_0000_0000_0001), Double(bitPattern: 0xFFFF_FFFF_FFFF_FFFF),
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, -.leastNormalMagnitude,
        Double.leastNormalMagnitude.nextDown, Double(bitPattern: 0x000F_FFFF_FFFF_FFFF),
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .pi, -.ulpOfOne, 1.0, -1.0,
        9_007_199_254_740_992.0, -9_007_199_254_740_993.0.nextUp,
    ]

    /// Parsed binary artefacts, as found in CSV exports.
    static let artefactStrings = [
        "0.20199999999999999", "0.30000000000000004", "51.846000000000004", "0.13400000000000001",
        "99.999999999999986", "1.0000000000000002", "0.99999999999999989", "123.45600000000002",
    ]

    func makeValues(count n: Int, rng: inout SplitMix64) -> [Double] {
        switch self {
        case .decimals:
            let digits = Int.random(in: 0...6, using: &rng)
            let scale = pow10(digits)
            let spread = Int64.random(in: 1...2_000_000, using: &rng)
            var walk = Int64.random(in: -spread...spread, using: &rng)
            return (0..<n).map { _ in
                // Alternate between a random walk and independent draws.
                if rng.chance(0.5) { walk &+= Int64.random(in: -50...50, using: &rng) } else {
                    walk = Int64.random(in: -spread...spread, using: &rng)
                }
                return Double(walk) / scale
            }
        case .integers:
            let bound = rng.pick([Int64(10), 1000, 1_000_000, 1 << 40])
            return (0..<n).map { _ in Double(Int64.random(in: -bound...bound, using: &rng)) }
        case .binaryArtefacts:
            let digits = Int.random(in: 1...4, using: &rng)
            let scale = pow10(digits)
            return (0..<n).map { _ in
                if rng.chance(0.05) { return Double(rng.pick(Self.artefactStrings))! }
                var v = Double(Int64.random(in: -100_000...100_000, using: &rng)) / scale
                if rng.chance(0.3) {
                    let steps = Int.random(in: 1...2, using: &rng)
                    for _ in 0..<steps { v = rng.chance(0.5) ? v.nextUp : v.nextDown }
                }
                return v
            }
        case .fullPrecision:
            let magnitude = rng.pick([1e-300, 1e-9, 1.0, 1e6, 1e15, 1e300])
            return (0..<n).map { _ in Double.random(in: -magnitude...magnitude, using: &rng) }
        case .randomBits:
            return (0..<n).map { _ in Double(bitPattern: rng.next()) }
        case .specials:
            return (0..<n).map { _ in
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: Double(bitPattern: UInt64.random(in: 1...0x000F_FFFF_FFFF_FFFF, using: &rng) | (rng.chance(0.5) ? 1 << 63 : 0))
                case 1: Double(bitPattern: 0x7FF0_0000_0000_0000 | UInt64.random(in: 1...0x000F_FFFF_FFFF_FFFF, using: &rng)
                                | (rng.chance(0.5) ? 1 << 63 : 0))
                default: rng.pick(Self.specialValues)
                }
            }
        case .constant:
            let value = rng.chance(0.5)
                ? rng.pick(Self.specialValues + [0.25, 42, -17.5, 1e-7])
                : Double(bitPattern: rng.next())
            return [Double](repeating: value, count: n)
        case .hugeIntegers:
            return (0..<n).map { _ in
                let sign: Double = rng.chance(0.5) ? -1 : 1
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: return sign * Double(Int64(1 << 53) + Int64.random(in: -1000...1000, using: &rng))
                case 1: return sign * Double(UInt64.random(in: (1 << 53)...UInt64.max, using: &rng))
                case 2: return sign * Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &rng))
                default:
                    let e = Int.random(in: 53...1023, using: &rng)
                    return sign * Double(sign: .plus, exponent: e, significand: Double.random(in: 1..<2, using: &rng)).rounded()
                }
            }
        case .decimalsWithGaps:
            return (0..<n).map { _ in
                if rng.chance(0.03) { return rng.pick([.nan, .infinity, -.infinity, -0.0]) }
                return Double(Int64.random(in: 0...99_999, using: &rng)) / 100
            }
        case .allNaN:
            return (0..<n).map { _ in
                Double(bitPattern: 0x7FF0_0000_0000_0000 | UInt64.random(in: 1...0x000F_FFFF_FFFF_FFFF, using: &rng)
                    | (rng.chance(0.5) ? 1 << 63 : 0))
            }
        case .mixed:
            let families = Self.allCases.filter { $0 != .mixed && $0 != .constant }
            var pieces: [Double] = []
            pieces.reserveCapacity(n)
            while pieces.count < n {
                let run = min(n - pieces.count, Int.random(in: 1...50, using: &rng))
                pieces += rng.pick(families).makeValues(count: run, rng: &rng)
            }
            return pieces
        }
    }
}

func pow10(_ e: Int) -> Double {
    var p = 1.0
    for _ in 0..<e { p *= 10 }
    return p
}

// MARK: - Timestamp families

/// Families of strictly increasing Int64 timestamp columns.
enum TimestampFamily: CaseIterable, Sendable {
    /// A fixed stride.
    case regular
    /// A stride with small jitter.
    case jittered
    /// A regular stride with occasional large gaps.
    case withGaps
    /// Random gaps over a wide range.
    case randomGaps
    /// Starting at Int64.min.
    case nearMin
    /// Ending at Int64.max.
    case nearMax
    /// Huge gaps (the column spans most of the Int64 range).
    case hugeGaps

    func makeTimestamps(count n: Int, rng: inout SplitMix64) -> [Int64] {
        var gaps = [Int64](repeating: 0, count: max(0, n - 1))
        switch self {
        case .regular, .nearMin, .nearMax:
            let stride = rng.pick([Int64(1), 10, 1000, 60_000, Int64.random(in: 1...1_000_000_007, using: &rng)])
            let irregular = self != .regular && rng.chance(0.5)
            for i in gaps.indices { gaps[i] = irregular ? Int64.random(in: 1...stride * 3 + 1, using: &rng) : stride }
        case .jittered:
            let stride = Int64.random(in: 100...100_000, using: &rng)
            let jitter = Int64.random(in: 1...(stride / 10), using: &rng)
            for i in gaps.indices { gaps[i] = stride + Int64.random(in: -jitter...jitter, using: &rng) }
        case .withGaps:
            let stride = rng.pick([Int64(1000), 5000, 60_000])
            for i in gaps.indices { gaps[i] = rng.chance(0.01) ? stride * Int64.random(in: 2...100_000, using: &rng) : stride }
        case .randomGaps:
            for i in gaps.indices { gaps[i] = Int64.random(in: 1...10_000_000, using: &rng) }
        case .hugeGaps:
            let bound = Int64.max / Int64(max(1, n))
            for i in gaps.indices { gaps[i] = Int64.random(in: 1...bound, using: &rng) }
        }
        var total: Int64 = 0
        for g in gaps { total += g }  // traps if a generator is wrong: that is a test bug
        let start: Int64
        switch self {
        case .nearMin, .hugeGaps: start = Int64.min
        case .nearMax: start = Int64.max - total
        default: start = Int64.random(in: -(1 << 50)...(1 << 50), using: &rng)
        }
        var out = [Int64](repeating: start, count: n)
        for i in 1..<max(1, n) { out[i] = out[i - 1] + gaps[i - 1] }
        return out
    }
}

/// Timestamps whose gaps are uniform in 1...127 (gcd 1 for any useful length): the delta
/// codec's best case, since gap changes need up to two varint bytes.
func smallRandomGapTimestamps(count n: Int, rng: inout SplitMix64) -> [Int64] {
    var out: [Int64] = [1_700_000_000_000]
    for _ in 1..<max(1, n) { out.append(out.last! + Int64.random(in: 1...127, using: &rng)) }
    return out
}

// MARK: - Expected summary

/// The summary fields computed directly from the points, independently of the encoder.
struct ExpectedSummary {
    var count: Int
    var nanCount: Int
    var firstTimestamp: Int64
    var lastTimestamp: Int64
    var minimum: Double
    var maximum: Double
    var sum: Double
    var firstValue: Double
    var lastValue: Double

    init(timestamps: [Int64], values: [Double]) {
        count = values.count
        nanCount = values.lazy.filter(\.isNaN).count
        firstTimestamp = timestamps.first!
        lastTimestamp = timestamps.last!
        let finiteOrInf = values.filter { !$0.isNaN }
        minimum = finiteOrInf.min() ?? .infinity
        maximum = finiteOrInf.max() ?? -.infinity
        sum = finiteOrInf.reduce(0, +)
        firstValue = values.first!
        lastValue = values.last!
    }

    /// Compares with a decoded summary. Values are compared by bit pattern, except that the
    /// sign of a zero extremum is not specified (min(-0.0, +0.0) may be either).
    func mismatches(_ s: BlockSummary) -> [String] {
        var out: [String] = []
        if s.count != count { out.append("count \(s.count) != \(count)") }
        if s.nanCount != nanCount { out.append("nanCount \(s.nanCount) != \(nanCount)") }
        if s.valueCount != count - nanCount { out.append("valueCount \(s.valueCount)") }
        if s.firstTimestamp != firstTimestamp { out.append("firstTimestamp \(s.firstTimestamp) != \(firstTimestamp)") }
        if s.lastTimestamp != lastTimestamp { out.append("lastTimestamp \(s.lastTimestamp) != \(lastTimestamp)") }
        if !sameExtremum(s.minimum, minimum) { out.append("minimum \(s.minimum) != \(minimum)") }
        if !sameExtremum(s.maximum, maximum) { out.append("maximum \(s.maximum) != \(maximum)") }
        if s.sum.bitPattern != sum.bitPattern && !(s.sum.isNaN && sum.isNaN) {
            out.append("sum \(s.sum) != \(sum)")
        }
        if s.firstValue.bitPattern != firstValue.bitPattern { out.append("firstValue \(s.firstValue.bitPattern) != \(firstValue.bitPattern)") }
        if s.lastValue.bitPattern != lastValue.bitPattern { out.append("lastValue \(s.lastValue.bitPattern) != \(lastValue.bitPattern)") }
        return out
    }

    private func sameExtremum(_ a: Double, _ b: Double) -> Bool {
        a == 0 && b == 0 ? true : a.bitPattern == b.bitPattern
    }
}

// MARK: - Round-trip helper

/// The index of the first value whose bit pattern differs, or nil.
func firstBitMismatch(_ a: [Double], _ b: [Double]) -> Int? {
    guard a.count == b.count else { return min(a.count, b.count) }
    for i in a.indices where a[i].bitPattern != b[i].bitPattern { return i }
    return nil
}

func firstMismatch(_ a: [Int64], _ b: [Int64]) -> Int? {
    guard a.count == b.count else { return min(a.count, b.count) }
    for i in a.indices where a[i] != b[i] { return i }
    return nil
}

/// Encodes, decodes through both decode entry points and `summary(of:)`, and checks bit-exact
/// equality and the summary. Returns the encoded bytes and summary.
@discardableResult
func checkRoundTrip(_ timestamps: [Int64], _ values: [Double], seriesID: UInt64 = 7, label: String = "",
                    encoder: BlockEncoder, decoder: BlockDecoder,
                    sourceLocation: SourceLocation = #_sourceLocation) throws -> (bytes: [UInt8], summary: BlockSummary) {
    let bytes = try encoder.encode(seriesID: seriesID, timestamps: timestamps, values: values)

    // Appending to non-empty arrays keeps what was there.
    var ts: [Int64] = [-5]
    var vs: [Double] = [-5]
    let summary = try decoder.decode(bytes, appendingTo: &ts, &vs)
    #expect(ts.first == -5 && vs.first == -5, "prefix disturbed \(label)", sourceLocation: sourceLocation)
    let decodedTimestamps = Array(ts.dropFirst())
    let decodedValues = Array(vs.dropFirst())
    if let i = firstMismatch(decodedTimestamps, timestamps) {
        Issue.record("timestamp mismatch at \(i) \(label)", sourceLocation: sourceLocation)
    }
    if let i = firstBitMismatch(decodedValues, values) {
        let got = i < decodedValues.count ? String(decodedValues[i].bitPattern, radix: 16) : "-"
        let want = i < values.count ? String(values[i].bitPattern, radix: 16) : "-"
        Issue.record("value mismatch at \(i): got 0x\(got), want 0x\(want) \(label) codec \(summary.valueCodec)",
                     sourceLocation: sourceLocation)
    }

    let expected = ExpectedSummary(timestamps: timestamps, values: values)
    let problems = expected.mismatches(summary)
    #expect(problems.isEmpty, "summary \(problems) \(label)", sourceLocation: sourceLocation)
    #expect(summary.seriesID == seriesID, sourceLocation: sourceLocation)
    #expect(summary.byteCount == bytes.count, sourceLocation: sourceLocation)

    // The header-only summary agrees with decode's.
    let headerSummary = try bytes.withUnsafeBytes { try BlockDecoder.summary(of: $0) }
    #expect(headerSummary == summary, sourceLocation: sourceLocation)

    // The buffer entry point, with bytes continuing past the block.
    var padded = bytes
    padded += [0xAB, 0xCD, 0xEF]
    var t2 = [Int64](repeating: 0, count: timestamps.count + 1)
    var v2 = [Double](repeating: 0, count: values.count + 1)
    let summary2 = try padded.withUnsafeBytes { (raw) throws in
        try t2.withUnsafeMutableBufferPointer { t in
            try v2.withUnsafeMutableBufferPointer { v in
                try decoder.decode(raw, baseOffset: 1000, timestamps: t, values: v)
            }
        }
    }
    #expect(summary2 == summary, sourceLocation: sourceLocation)
    #expect(firstMismatch(Array(t2.prefix(timestamps.count)), timestamps) == nil, sourceLocation: sourceLocation)
    #expect(firstBitMismatch(Array(v2.prefix(values.count)), values) == nil, sourceLocation: sourceLocation)
    return (bytes, summary)
}

// MARK: - Byte surgery on encoded blocks

/// Offsets of the fixed header fields (see `BlockEncoder.encode`).
enum HeaderOffset {
    static let magic = 0
    static let version = 4
    static let timestampCodec = 5
    static let valueCodec = 6
    static let flags = 7
    static let count = 8
    static let nanCount = 12
    static let seriesID = 16
    static let firstTimestamp = 24
    static let lastTimestamp = 32
    static let minimum = 40
    static let maximum = 48
    static let sum = 56
    static let firstValue = 64
    static let lastValue = 72
    static let blockLength = 80
    static let timestampLength = 84
}

func patchLE<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: T, at offset: Int) {
    withUnsafeBytes(of: value.littleEndian) { raw in
        for (i, b) in raw.enumerated() { bytes[offset + i] = b }
    }
}

func loadLE<T: FixedWidthInteger>(_ bytes: [UInt8], _: T.Type, at offset: Int) -> T {
    var value = T.zero
    withUnsafeMutableBytes(of: &value) { raw in
        for i in 0..<MemoryLayout<T>.size { raw[i] = bytes[offset + i] }
    }
    return T(littleEndian: value)
}

/// Rewrites the trailing CRC-32C so the block passes the checksum (a "hostile" block).
func recomputeCRC(_ bytes: inout [UInt8]) {
    let body = Array(bytes[0..<(bytes.count - 4)])
    patchLE(&bytes, CRC32C.checksum(body), at: bytes.count - 4)
}

/// Splits an encoded block into header, timestamp section and value section.
func blockSections(of bytes: [UInt8]) -> (header: [UInt8], timestamps: [UInt8], values: [UInt8]) {
    let tsLength = Int(loadLE(bytes, UInt32.self, at: HeaderOffset.timestampLength))
    let header = Array(bytes[0..<BlockFormat.headerSize])
    let ts = Array(bytes[BlockFormat.headerSize..<(BlockFormat.headerSize + tsLength)])
    let vs = Array(bytes[(BlockFormat.headerSize + tsLength)..<(bytes.count - 4)])
    return (header, ts, vs)
}

/// Reassembles a block from its parts with consistent lengths and a valid CRC.
func assembleBlock(header: [UInt8], timestamps: [UInt8], values: [UInt8]) -> [UInt8] {
    var out = header + timestamps + values + [0, 0, 0, 0]
    patchLE(&out, UInt32(out.count), at: HeaderOffset.blockLength)
    patchLE(&out, UInt32(timestamps.count), at: HeaderOffset.timestampLength)
    recomputeCRC(&out)
    return out
}

func varintBytes(_ value: UInt64) -> [UInt8] {
    var w = ByteWriter()
    w.writeVarint(value)
    return w.bytes
}

// MARK: - Errors

/// The case name of a storage error, for matching without its strings.
func storageErrorKind(_ error: StorageError) -> String {
    switch error {
    case .truncated: "truncated"
    case .corrupt: "corrupt"
    case .checksumMismatch: "checksumMismatch"
    case .unsupportedVersion: "unsupportedVersion"
    case .unknownCodec: "unknownCodec"
    case .zstd: "zstd"
    case .io: "io"
    case .invalidArgument: "invalidArgument"
    case .inFile: "inFile"
    }
}

/// Runs `body` and returns the kind of StorageError it threw, "none" if it returned, or
/// "foreign: …" for any other error type.
func thrownKind(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "none"
    } catch let error as StorageError {
        return storageErrorKind(error)
    } catch {
        return "foreign: \(error)"
    }
}

/// Decodes into fresh arrays.
@discardableResult
func decodeBlock(_ bytes: [UInt8], decoder: BlockDecoder, verifyChecksum: Bool = true) throws -> (timestamps: [Int64], values: [Double], summary: BlockSummary) {
    var ts: [Int64] = []
    var vs: [Double] = []
    let summary = try decoder.decode(bytes, verifyChecksum: verifyChecksum, appendingTo: &ts, &vs)
    return (ts, vs, summary)
}
