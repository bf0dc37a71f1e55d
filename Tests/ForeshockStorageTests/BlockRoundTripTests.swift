import ForeshockTestSupport
@testable import ForeshockStorage
import Testing

@Suite("Block round trip")
struct BlockRoundTripTests {
    static let sizes = [1, 2, 3, 7, 100, 1000, 8192, 20000]

    /// Every value family at every size, each with a different timestamp family: values are
    /// bit-exact, timestamps exact and the summary matches a direct computation.
    @Test(arguments: sizes)
    func everyValueFamilyRoundTripsBitExactlyAtSize(_ n: Int) throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        let timestampFamilies = TimestampFamily.allCases
        for (index, family) in ValueFamily.allCases.enumerated() {
            var rng = SplitMix64(seed: UInt64(n) &* 1_000_003 &+ UInt64(index))
            let timeFamily = timestampFamilies[(index + n) % timestampFamilies.count]
            let values = family.makeValues(count: n, rng: &rng)
            let timestamps = timeFamily.makeTimestamps(count: n, rng: &rng)
            let seriesID = rng.next()
            try checkRoundTrip(timestamps, values, seriesID: seriesID, label: "\(family)/\(timeFamily) n=\(n)",
                               encoder: encoder, decoder: decoder)
        }
    }

    /// Every timestamp family at every size round-trips exactly.
    @Test(arguments: sizes)
    func everyTimestampFamilyRoundTripsExactlyAtSize(_ n: Int) throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        for (index, timeFamily) in TimestampFamily.allCases.enumerated() {
            var rng = SplitMix64(seed: 0xC0FFEE &+ UInt64(n) &* 31 &+ UInt64(index))
            let timestamps = timeFamily.makeTimestamps(count: n, rng: &rng)
            let values = ValueFamily.decimals.makeValues(count: n, rng: &rng)
            try checkRoundTrip(timestamps, values, label: "\(timeFamily) n=\(n)", encoder: encoder, decoder: decoder)
        }
    }

    /// Many small random blocks with random sizes, families and zstd levels, reusing one encoder
    /// and decoder (scratch buffers grow and shrink across calls).
    @Test func manyRandomBlocksRoundTripWithReusedCoders() throws {
        var rng = SplitMix64(seed: 20_240_611)
        let encoders = try [BlockEncoder(), BlockEncoder(zstdLevel: 3), BlockEncoder(zstdLevel: -1)]
        let decoder = try BlockDecoder()
        for round in 0..<250 {
            let n = rng.chance(0.1) ? Int.random(in: 1...3000, using: &rng) : Int.random(in: 1...200, using: &rng)
            let family = rng.pick(ValueFamily.allCases)
            let timeFamily = rng.pick(TimestampFamily.allCases)
            let values = family.makeValues(count: n, rng: &rng)
            let timestamps = timeFamily.makeTimestamps(count: n, rng: &rng)
            try checkRoundTrip(timestamps, values, seriesID: UInt64(round), label: "round \(round) \(family)/\(timeFamily) n=\(n)",
                               encoder: rng.pick(encoders), decoder: decoder)
        }
    }

    @Test func everySpecialValueRoundTripsAloneAndTogether() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        for (i, v) in ValueFamily.specialValues.enumerated() {
            try checkRoundTrip([Int64(i)], [v], label: "special \(i)", encoder: encoder, decoder: decoder)
            try checkRoundTrip([0, 1, 2], [v, v, v], label: "special x3 \(i)", encoder: encoder, decoder: decoder)
        }
        let all = ValueFamily.specialValues
        try checkRoundTrip((0..<Int64(all.count)).map { $0 * 10 }, all, encoder: encoder, decoder: decoder)
        try checkRoundTrip((0..<Int64(all.count)).map { $0 * 10 }, all.reversed(), encoder: encoder, decoder: decoder)
    }

    @Test func binaryArtefactStringsRoundTripBitExactly() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        let artefacts = ValueFamily.artefactStrings.map { Double($0)! }
        #expect(Double("0.20199999999999999")!.bitPattern != 0.202.bitPattern)
        var values: [Double] = []
        for _ in 0..<20 { values += artefacts + [0.202, 0.3, 51.846, 0.134] }
        let (_, summary) = try checkRoundTrip((0..<Int64(values.count)).map { $0 * 1000 }, values,
                                              encoder: encoder, decoder: decoder)
        // So few distinct values make a dictionary (whose entries are decimal-coded).
        #expect(summary.valueCodec == .dictionary)
        // Mostly distinct short decimals with a few ulps of error are the decimal codec's home ground.
        var rng = SplitMix64(seed: 5)
        let distinct = (0..<2000).map { i -> Double in
            let v = Double(Int.random(in: 0...999_999, using: &rng)) / 1000
            return i % 4 == 0 ? v.nextUp : v
        }
        let (_, distinctSummary) = try checkRoundTrip((0..<Int64(distinct.count)).map { $0 * 1000 }, distinct,
                                                      encoder: encoder, decoder: decoder)
        #expect(distinctSummary.valueCodec == .decimal)
    }

    @Test func signedZerosKeepTheirSign() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        let values: [Double] = [-0.0, 0.0, -0.0, -0.0, 0.0, 1.5, -0.0]
        try checkRoundTrip(Array(0..<Int64(values.count)), values, encoder: encoder, decoder: decoder)
        try checkRoundTrip(Array(0..<100), [Double](repeating: -0.0, count: 100), encoder: encoder, decoder: decoder)
    }

    @Test func allNaNBlockHasEmptyAggregates() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        let values = [Double.nan, -.nan, .signalingNaN, Double(bitPattern: 0x7FF8_0000_0000_0123)]
        let (_, s) = try checkRoundTrip([10, 20, 30, 40], values, encoder: encoder, decoder: decoder)
        #expect(s.nanCount == 4)
        #expect(s.valueCount == 0)
        #expect(s.minimum == .infinity)
        #expect(s.maximum == -.infinity)
        #expect(s.sum == 0)
    }

    @Test func integersNearAndBeyond2To53RoundTrip() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        let p53 = 9_007_199_254_740_992.0
        var values: [Double] = []
        for k in -4...4 { values.append(Double(Int64(p53) + Int64(k))) }
        values += [p53 * 2, p53 * 2 + 2, p53 * 1024, -p53, -p53 + 1, Double(Int64.max), Double(Int64.min),
                   Double(UInt64.max), 1e300, -1e300, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        var rng = SplitMix64(seed: 53)
        for _ in 0..<500 {
            values.append(Double(Int64(p53) + Int64.random(in: -100...100, using: &rng)))
        }
        try checkRoundTrip(Array(0..<Int64(values.count)), values, encoder: encoder, decoder: decoder)
        // And a slowly growing counter just past 2^53, where consecutive doubles are 2 apart.
        let counter = (0..<1000).map { p53 + Double(2 * $0) }
        try checkRoundTrip(Array(0..<1000), counter, encoder: encoder, decoder: decoder)
    }

    @Test func timestampsAtTheEndsOfInt64RoundTrip() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        let cases: [[Int64]] = [
            [Int64.min], [Int64.max], [0],
            [Int64.min, Int64.min + 1], [Int64.max - 1, Int64.max],
            [Int64.min, -1],  // gap exactly Int64.max
            [0, Int64.max],  // gap exactly Int64.max
            [Int64.min, Int64.min + 1, -1],
            [Int64.min, Int64.min + 1, Int64.min + 3, Int64.min + 7],
            [Int64.max - 10, Int64.max - 9, Int64.max - 5, Int64.max],
            [Int64.min, -2, -1],
            [Int64.min, Int64.min + (Int64.max / 2), -1, Int64.max / 2, Int64.max - 1],
            (0..<50).map { Int64.min + Int64($0) * 3 },
            (0..<50).map { Int64.max - Int64(49 - $0) * 7 },
        ]
        for (i, ts) in cases.enumerated() {
            let values = ts.map { Double($0 % 1000) }
            try checkRoundTrip(ts, values, label: "case \(i)", encoder: encoder, decoder: decoder)
        }
    }

    @Test func reusedDecoderHandlesShrinkingAndGrowingBlocks() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: 99)
        for n in [5000, 3, 5000, 1, 12000, 2, 700] {
            let values = ValueFamily.mixed.makeValues(count: n, rng: &rng)
            let ts = TimestampFamily.jittered.makeTimestamps(count: n, rng: &rng)
            try checkRoundTrip(ts, values, encoder: encoder, decoder: decoder)
        }
    }

    @Test func concatenatedBlocksDecodeOneAfterAnother() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: 4242)
        var file: [UInt8] = []
        var expectedTimestamps: [Int64] = []
        var expectedValues: [Double] = []
        var next: Int64 = 0
        for _ in 0..<6 {
            let n = Int.random(in: 1...300, using: &rng)
            let ts = (0..<n).map { next + Int64($0) * 15 }
            next += Int64(n) * 15
            let vs = ValueFamily.decimals.makeValues(count: n, rng: &rng)
            file += try encoder.encode(seriesID: 1, timestamps: ts, values: vs)
            expectedTimestamps += ts
            expectedValues += vs
        }
        var ts: [Int64] = []
        var vs: [Double] = []
        var offset = 0
        while offset < file.count {
            let block = Array(file[offset...])
            let summary = try decoder.decode(block, baseOffset: offset, appendingTo: &ts, &vs)
            offset += summary.byteCount
        }
        #expect(offset == file.count)
        #expect(ts == expectedTimestamps)
        #expect(firstBitMismatch(vs, expectedValues) == nil)
    }

    @Test func encodingIsDeterministic() throws {
        var rng = SplitMix64(seed: 1)
        let values = ValueFamily.mixed.makeValues(count: 2000, rng: &rng)
        let ts = TimestampFamily.jittered.makeTimestamps(count: 2000, rng: &rng)
        let a = try BlockEncoder().encode(seriesID: 3, timestamps: ts, values: values)
        let encoder = try BlockEncoder()
        _ = try encoder.encode(seriesID: 3, timestamps: Array(ts.prefix(10)), values: Array(values.prefix(10)))
        let b = try encoder.encode(seriesID: 3, timestamps: ts, values: values)
        #expect(a == b)
    }
}
