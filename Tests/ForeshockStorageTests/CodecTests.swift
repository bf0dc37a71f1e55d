import ForeshockTestSupport
@testable import ForeshockStorage
import Testing

// MARK: - Direct codec round trips

/// A value codec's encode and decode entry points, so that each is tested directly whatever
/// the block encoder's selector would pick.
enum DirectValueCodec: CaseIterable, Sendable {
    case xor, byteStreamSplit, decimalChosenExponent, decimalExponent0, decimalExponent6, decimalExponent18

    func encode(_ values: [Double], encoder: BlockEncoder) throws -> [UInt8] {
        var writer = ByteWriter()
        try values.withUnsafeBufferPointer { (v) throws in
            switch self {
            case .xor: try XORValueCodec.encode(v, to: &writer, compressor: encoder.compressor)
            case .byteStreamSplit: try ByteStreamSplitCodec.encode(v, to: &writer, encoder: encoder)
            case .decimalChosenExponent:
                try DecimalValueCodec.encode(v, exponent: DecimalValueCodec.chooseExponent(v).exponent, to: &writer, encoder: encoder)
            case .decimalExponent0: try DecimalValueCodec.encode(v, exponent: 0, to: &writer, encoder: encoder)
            case .decimalExponent6: try DecimalValueCodec.encode(v, exponent: 6, to: &writer, encoder: encoder)
            case .decimalExponent18: try DecimalValueCodec.encode(v, exponent: 18, to: &writer, encoder: encoder)
            }
        }
        return writer.bytes
    }

    var valueCodec: ValueCodec {
        switch self {
        case .xor: .xor
        case .byteStreamSplit: .byteStreamSplit
        default: .decimal
        }
    }

    /// Decodes `count` values; also returns the bytes left unread.
    func decode(_ bytes: [UInt8], count: Int, decoder: BlockDecoder) throws -> (values: [Double], remaining: Int) {
        var out = [Double](repeating: 0x1.5p3, count: count)  // poison: decode must overwrite it
        var remaining = -1
        try bytes.withUnsafeBytes { (raw) throws in
            var reader = ByteReader(raw, baseOffset: 0)
            try out.withUnsafeMutableBufferPointer { (o) throws in
                switch self {
                case .xor: try XORValueCodec.decode(&reader, into: o, decoder: decoder)
                case .byteStreamSplit: try ByteStreamSplitCodec.decode(&reader, into: o, decoder: decoder)
                default: try DecimalValueCodec.decode(&reader, into: o, decoder: decoder)
                }
            }
            remaining = reader.remaining
        }
        return (out, remaining)
    }
}

@Suite("Value and timestamp codecs")
struct CodecTests {
    static let directSizes = [1, 2, 3, 7, 100, 1000, 5000]

    @Test(arguments: DirectValueCodec.allCases)
    func valueCodecRoundTripsEveryFamilyBitExactly(_ codec: DirectValueCodec) throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        for n in Self.directSizes {
            for (index, family) in ValueFamily.allCases.enumerated() {
                var rng = SplitMix64(seed: 0xD1EC7 &+ UInt64(n) &* 97 &+ UInt64(index))
                let values = family.makeValues(count: n, rng: &rng)
                let bytes = try codec.encode(values, encoder: encoder)
                let (decoded, remaining) = try codec.decode(bytes, count: n, decoder: decoder)
                #expect(remaining == 0, "\(codec) \(family) n=\(n): \(remaining) bytes left")
                if let i = firstBitMismatch(decoded, values) {
                    Issue.record("\(codec) \(family) n=\(n): value \(i) is 0x\(String(decoded[i].bitPattern, radix: 16)), want 0x\(String(values[i].bitPattern, radix: 16))")
                }
            }
        }
    }

    @Test(arguments: DirectValueCodec.allCases)
    func valueCodecRoundTripsSpecialValuesInEveryPosition(_ codec: DirectValueCodec) throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        let specials = ValueFamily.specialValues
        // Each special value surrounded by ordinary decimals, at every offset of a SIMD lane.
        for (index, special) in specials.enumerated() {
            for position in 0..<9 {
                var values = (0..<9).map { Double($0) * 0.25 }
                values[position] = special
                let bytes = try codec.encode(values, encoder: encoder)
                let (decoded, remaining) = try codec.decode(bytes, count: values.count, decoder: decoder)
                #expect(remaining == 0)
                #expect(firstBitMismatch(decoded, values) == nil, "\(codec) special \(index) at \(position)")
            }
        }
    }

    @Test(arguments: [1, 2, 4])
    func smallIntegerPackingRoundTripsDenseSparseAndRaggedColumns(_ bits: Int) {
        var rng = SplitMix64(seed: UInt64(bits))
        for n in [0, 1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1000] {
            for density in [0.0, 0.01, 0.5, 1.0] {
                let values: [UInt8] = (0..<n).map { _ in
                    Double(rng.next() >> 11) / 9_007_199_254_740_992.0 < density ? UInt8(1 + rng.next() % UInt64((1 << bits) - 1)) : 0
                }
                let packed = values.withUnsafeBufferPointer { SmallIntegerPacking.pack($0, bits: bits) }
                #expect(packed.count == SmallIntegerPacking.byteCount(n, bits: bits))
                var unpacked = [UInt8](repeating: 0, count: n)
                var visits = [Int](repeating: 0, count: n)
                packed.withUnsafeBytes { raw in
                    SmallIntegerPacking.forEachValue(skippingZeroChunks: raw, count: n, bits: bits) { i, value in
                        unpacked[i] = UInt8(value)
                        visits[i] += 1
                    }
                }
                #expect(unpacked == values, "bits \(bits) n \(n) density \(density)")
                #expect(visits.allSatisfy { $0 <= 1 }, "a value was visited twice")
                #expect(zip(values, visits).allSatisfy { $0 == 0 || $1 == 1 }, "a nonzero value was skipped")
            }
        }
    }

    @Test func decimalMantissasAtTheExactConversionLimitRoundTrip() throws {
        // The vector conversion is exact below 2^51 in magnitude; mantissas at and past that
        // limit (frame-of-reference and delta layouts) must take the scalar path, bit-exactly.
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        let limit = Double(1 << 51)
        let families: [[Double]] = [
            (0..<40).map { limit - 20 + Double($0) },             // crosses +2^51
            (0..<40).map { -limit - 20 + Double($0) },            // crosses -2^51
            (0..<40).map { limit * 2 + Double($0 * 2) },          // beyond, even integers
            (0..<40).map { Double($0 % 2 == 0 ? 1 << 52 : -(1 << 52)) + Double($0) },
            (0..<40).map { Double(1 << 62) + Double($0) * 4096 },  // rounded conversions
        ]
        for (index, values) in families.enumerated() {
            for codec in [DirectValueCodec.decimalExponent0, .decimalChosenExponent] {
                let bytes = try codec.encode(values, encoder: encoder)
                let (decoded, remaining) = try codec.decode(bytes, count: values.count, decoder: decoder)
                #expect(remaining == 0)
                #expect(firstBitMismatch(decoded, values) == nil, "family \(index) \(codec)")
            }
        }
    }

    @Test func corruptPlanesWiderThanTheirStatedWidthStillDecodeExactly() throws {
        // A hand-made decimal section: width 3 stored in 4-bit slots that hold 8...15, so the
        // words exceed the stated 2^3. Near 2^51 the vector conversion would round odd
        // mantissas; the decoder must bound the words by what the slots can hold (2^4) and
        // take the exact scalar path.
        let n = 16
        let reference: Int64 = (1 << 51) - 8
        let words: [UInt8] = (0..<n).map { UInt8(8 + $0 % 8) }
        var writer = ByteWriter()
        writer.write(UInt8(0))                                  // exponent
        writer.write(UInt8(0))                                  // frame of reference
        writer.writeVarint(zigzagEncode(reference))
        writer.write(UInt8(3))                                  // bit width
        writer.write(UInt8(0))                                  // split
        let packed = words.withUnsafeBufferPointer { SmallIntegerPacking.pack($0, bits: 4) }
        writer.write(ColumnStream.raw)
        writer.writeVarint(UInt64(packed.count))
        writer.write(contentsOf: packed)
        writer.write(UInt8(0))                                  // no corrections
        let (decoded, remaining) = try DirectValueCodec.decimalExponent0.decode(writer.bytes, count: n, decoder: BlockDecoder())
        #expect(remaining == 0)
        let expected = words.map { Double(reference + Int64($0)) }
        #expect(firstBitMismatch(decoded, expected) == nil, "decoded \(decoded.prefix(4))")
    }

    @Test func xorCodecRoundTripsAdversarialXORWindows() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: 0x0A0B)
        var patterns: [[UInt64]] = [
            [0, UInt64.max, 0, UInt64.max],                      // 64 meaningful bits
            [0, 1, 0, 1 << 63, 0, 1, 3, 7],                      // 1-bit windows at both ends
            [0, 1 << 32, (1 << 32) | 1, 1, 0],                   // window grows then shrinks
            [0, 1, 1 << 40, 1 << 62, UInt64.max >> 1],           // > 31 leading zeros
            [UInt64.max, UInt64.max, UInt64.max, 0, 0, 0],       // repeats
        ]
        // Random walks in the XOR space: mostly small windows, some wide.
        for _ in 0..<20 {
            var word = rng.next()
            var column = [word]
            for _ in 0..<300 {
                let width = rng.pick([0, 1, 4, 12, 33, 52, 64])
                let shift = width == 64 ? 0 : Int.random(in: 0...(64 - width), using: &rng)
                let mask: UInt64 = width == 0 ? 0 : (width == 64 ? .max : ((1 << UInt64(width)) - 1) << UInt64(shift))
                word ^= rng.next() & mask
                column.append(word)
            }
            patterns.append(column)
        }
        for (i, pattern) in patterns.enumerated() {
            let values = pattern.map { Double(bitPattern: $0) }
            let bytes = try DirectValueCodec.xor.encode(values, encoder: encoder)
            let (decoded, remaining) = try DirectValueCodec.xor.decode(bytes, count: values.count, decoder: decoder)
            #expect(remaining == 0)
            #expect(firstBitMismatch(decoded, values) == nil, "pattern \(i)")
        }
    }

    @Test func byteStreamSplitOfAllPositiveZerosHasWidthZero() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        let values = [Double](repeating: 0.0, count: 50)
        let bytes = try DirectValueCodec.byteStreamSplit.encode(values, encoder: encoder)
        #expect(bytes == [0, 0])  // bit width 0, split 0, no planes
        let (decoded, remaining) = try DirectValueCodec.byteStreamSplit.decode(bytes, count: 50, decoder: decoder)
        #expect(remaining == 0)
        #expect(decoded.allSatisfy { $0.bitPattern == 0 })
        // Values below 2^6 have a bit width of 6: one plane.
        let small = (0..<50).map { Double(bitPattern: UInt64($0)) }
        let smallBytes = try DirectValueCodec.byteStreamSplit.encode(small, encoder: encoder)
        #expect(smallBytes.first == 6)
        #expect(try DirectValueCodec.byteStreamSplit.decode(smallBytes, count: 50, decoder: decoder).values.map(\.bitPattern) == small.map(\.bitPattern))
    }

    // MARK: Decimal codec internals

    /// The decimal layout's exponent, transform, mantissa bit width and correction packing byte.
    static func decimalLayout(_ bytes: [UInt8], count n: Int, decoder: BlockDecoder) throws -> (exponent: Int, transform: UInt8, width: Int, packing: UInt8) {
        try bytes.withUnsafeBytes { (raw) throws in
            var reader = ByteReader(raw)
            let e = Int(try reader.readByte("e"))
            let transform = try reader.readByte("transform")
            _ = try reader.readVarint("reference")
            let width = try skipPlanes(&reader, count: n, decoder: decoder)
            return (e, transform, width, try reader.readByte("packing"))
        }
    }

    /// Reads past a ``BytePlanes`` section (bit width, split, both groups) and returns the width.
    static func skipPlanes(_ reader: inout ByteReader, count n: Int, decoder: BlockDecoder) throws -> Int {
        let width = Int(try reader.readByte("width"))
        let split = Int(try reader.readByte("split"))
        for bits in [split, width - split] {
            let (bytePlanes, packedBits) = BytePlanes.layout(bits: bits)
            for _ in 0..<bytePlanes {
                _ = try ColumnStream.read(&reader, "plane", expectedLength: n, limit: n, scratch: decoder.streamScratch,
                                          decompressor: decoder.decompressor)
            }
            if packedBits > 0 {
                let length = SmallIntegerPacking.byteCount(n, bits: packedBits)
                _ = try ColumnStream.read(&reader, "packed", expectedLength: length, limit: length,
                                          scratch: decoder.streamScratch, decompressor: decoder.decompressor)
            }
        }
        return width
    }

    @Test func decimalCodecUsesEachCorrectionPacking() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        let n = 400
        var rng = SplitMix64(seed: 31)
        let exact = (0..<n).map { _ in Double(Int.random(in: 1...99_999, using: &rng)) / 1000 }
        // ±1 ulp: zigzag codes 1 and 2 fit two bits.
        let oneULP = exact.enumerated().map { $0.offset % 3 == 0 ? $0.element.nextUp : ($0.offset % 3 == 1 ? $0.element.nextDown : $0.element) }
        // ±3 ulps: zigzag codes up to 6 need four bits.
        let threeULPs = exact.enumerated().map { i, v in i % 2 == 0 ? v.nextUp.nextUp.nextUp : v }
        // Random full precision: varint corrections.
        let noisy = (0..<n).map { _ in Double.random(in: 1..<2, using: &rng) }
        let cases: [(String, [Double], UInt8)] = [("exact", exact, 0), ("±1 ulp", oneULP, 2), ("+3 ulps", threeULPs, 4), ("noisy", noisy, 8)]
        for (name, values, packing) in cases {
            let bytes = try values.withUnsafeBufferPointer { (v) throws in
                var w = ByteWriter()
                try DecimalValueCodec.encode(v, exponent: 3, to: &w, encoder: encoder)
                return w.bytes
            }
            let layout = try Self.decimalLayout(bytes, count: n, decoder: decoder)
            #expect(layout.exponent == 3)
            #expect(layout.packing == packing, "\(name)")
            let (decoded, remaining) = try DirectValueCodec.decimalExponent0.decode(bytes, count: n, decoder: decoder)
            #expect(remaining == 0)
            #expect(firstBitMismatch(decoded, values) == nil, "\(name)")
        }
    }

    @Test func decimalCodecUsesFrameOfReferenceForNoiseAndDeltaForTrends() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: 77)
        let n = 1000
        // Alternating low and high noise: deltas (±~240) cost more bits than offsets (< 256).
        let noise = (0..<n).map { i in Double(i % 2 == 0 ? Int.random(in: 1000...1015, using: &rng) : Int.random(in: 1240...1255, using: &rng)) }
        let trend = (0..<n).map { Double(1_000_000 + $0 * 1000 + Int.random(in: 0...3, using: &rng)) }
        for (values, transform) in [(noise, UInt8(0)), (trend, UInt8(1))] {
            let bytes = try DirectValueCodec.decimalExponent0.encode(values, encoder: encoder)
            let layout = try Self.decimalLayout(bytes, count: n, decoder: decoder)
            #expect(layout.transform == transform)
            #expect(try DirectValueCodec.decimalExponent0.decode(bytes, count: n, decoder: decoder).values == values)
        }
    }

    @Test func decimalExponentChoiceFindsTheDigitCount() throws {
        var rng = SplitMix64(seed: 8)
        for digits in 0...6 {
            let scale = pow10(digits)
            // The last digit is never 0, so fewer digits cannot be exact.
            let values = (0..<300).map { _ in Double(Int64.random(in: -99_999...99_999, using: &rng) * 10 + 7) / scale }
            let (exponent, share) = values.withUnsafeBufferPointer { DecimalValueCodec.chooseExponent($0) }
            #expect(exponent == digits)
            #expect(share == 1)
        }
        let single = [0.5]
        #expect(single.withUnsafeBufferPointer { DecimalValueCodec.chooseExponent($0) }.exponent == 1)
    }

    // MARK: Selector

    @Test(arguments: 0...6)
    func fewDigitDecimalsSelectTheDecimalCodec(_ digits: Int) throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: UInt64(digits) + 1000)
        let scale = pow10(digits)
        for n in [1, 7, 100, 1000] {
            let values = (0..<n).map { _ in Double(Int64.random(in: -1_000_000...1_000_000, using: &rng)) / scale }
            let (_, summary) = try checkRoundTrip((0..<Int64(n)).map { $0 * 1000 }, values, encoder: encoder, decoder: decoder)
            #expect(summary.valueCodec == .decimal, "digits \(digits) n=\(n)")
        }
    }

    @Test(arguments: [100, 1000, 8192])
    func randomBitPatternsDoNotSelectTheDecimalCodec(_ n: Int) throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: UInt64(n) ^ 0xB175)
        let values = ValueFamily.randomBits.makeValues(count: n, rng: &rng)
        let (bytes, summary) = try checkRoundTrip((0..<Int64(n)).map { $0 }, values, encoder: encoder, decoder: decoder)
        #expect(summary.valueCodec != .decimal)
        #expect(summary.valueCodec == .byteStreamSplit || summary.valueCodec == .xor)

        // With no decimal structure, the selector keeps the smallest of the three encodings.
        let (_, _, valueSection) = blockSections(of: bytes)
        let sizes = try [DirectValueCodec.xor, .byteStreamSplit, .decimalChosenExponent].map {
            try $0.encode(values, encoder: encoder).count
        }
        #expect(valueSection.count == sizes.min())
    }

    @Test func randomBitPatternsInALargeBlockSelectByteStreamSplit() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: 0xB55)
        let values = ValueFamily.randomBits.makeValues(count: 1000, rng: &rng)
        let (_, summary) = try checkRoundTrip(Array(0..<1000), values, encoder: encoder, decoder: decoder)
        #expect(summary.valueCodec == .byteStreamSplit)
    }

    /// Repeated runs of values with no decimal structure: Gorilla's one-bit "same as before"
    /// beats eight byte planes; with few distinct values, a dictionary beats both.
    @Test func runsOfRepeatedFullPrecisionValuesSelectXOROrDictionary() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: 9)
        // Runs of 1 and 2 alternate: two thirds of the values are distinct, too many for a dictionary.
        let cases: [(n: Int, runs: [Int], randomBits: Bool, expected: ValueCodec)] = [
            (999, [1, 2], true, .xor), (3000, [1, 2], true, .xor),
            (1000, [10], true, .xor), (8192, [50], false, .dictionary),
        ]
        for (n, runs, randomBits, expected) in cases {
            var values: [Double] = []
            var k = 0
            while values.count < n {
                let x = randomBits ? Double(bitPattern: rng.next()) : Double.random(in: 0..<1, using: &rng)
                values += [Double](repeating: x, count: min(runs[k % runs.count], n - values.count))
                k += 1
            }
            let (_, summary) = try checkRoundTrip(Array(0..<Int64(n)), values, encoder: encoder, decoder: decoder)
            #expect(summary.valueCodec == expected, "n=\(n) runs=\(runs)")
        }
    }

    @Test func constantAndIntegerSeriesSelectTheDecimalCodec() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        // Constant, and integers too varied for a dictionary (every value distinct).
        for values in [[Double](repeating: 42, count: 1000), (0..<1000).map { Double(($0 * 7919) % 100_003) }] {
            let (_, summary) = try checkRoundTrip(Array(0..<1000), values, encoder: encoder, decoder: decoder)
            #expect(summary.valueCodec == .decimal)
        }
    }

    @Test func fixedStrideSelectsTheRegularTimestampCodec() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        let cases: [[Int64]] = [[5], [5, 6], [Int64.min, -1], (0..<1000).map { 1_700_000_000_000 + $0 * 15_000 },
                                (0..<100).map { Int64.max - 99 + $0 }]
        for ts in cases {
            let (bytes, summary) = try checkRoundTrip(ts, ts.map { _ in 1.0 }, encoder: encoder, decoder: decoder)
            #expect(summary.timestampCodec == .regular)
            // One varint: the stride (0 for a single point).
            let stride = ts.count > 1 ? UInt64(ts[1] - ts[0]) : 0
            #expect(blockSections(of: bytes).timestamps == varintBytes(stride))
        }
    }

    @Test func irregularGapsSelectTheDeltaTimestampCodec() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: 12)
        for n in [3, 100, 5000] {
            // Gaps uniform in 1...127: one varint byte each, while their changes need up to two.
            let ts = smallRandomGapTimestamps(count: n, rng: &rng)
            let (_, summary) = try checkRoundTrip(ts, ts.map { _ in 0.5 }, encoder: encoder, decoder: decoder)
            #expect(summary.timestampCodec == .delta, "n=\(n)")
        }
    }

    @Test func jitteredOrSteadilyChangingGapsSelectTheDeltaOfDeltaTimestampCodec() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: 13)
        let jittered = TimestampFamily.jittered.makeTimestamps(count: 2000, rng: &rng)
        var accelerating: [Int64] = [0]
        for i in 1..<1000 { accelerating.append(accelerating[i - 1] + 1000 * Int64(i)) }
        for ts in [jittered, accelerating] {
            let (_, summary) = try checkRoundTrip(ts, ts.map { _ in 0.5 }, encoder: encoder, decoder: decoder)
            #expect(summary.timestampCodec == .deltaOfDelta)
        }
    }

    // MARK: Direct timestamp codec

    @Test(arguments: [1, 2, 3, 7, 100, 1000, 5000])
    func timestampCodecRoundTripsEveryFamilyDirectly(_ n: Int) throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        for (index, family) in TimestampFamily.allCases.enumerated() {
            var rng = SplitMix64(seed: UInt64(n * 10 + index))
            let ts = family.makeTimestamps(count: n, rng: &rng)
            var writer = ByteWriter()
            let codec = try ts.withUnsafeBufferPointer { (t) throws in
                try TimestampCodec.encode(t, to: &writer, compressor: encoder.compressor)
            }
            var out = [Int64](repeating: 0, count: n)
            let remaining = try writer.bytes.withUnsafeBytes { (raw) throws in
                var reader = ByteReader(raw)
                try out.withUnsafeMutableBufferPointer { (o) throws in
                    try codec.decode(&reader, first: ts[0], last: ts[n - 1], into: o, scratch: decoder.streamScratch,
                                     words: decoder.words(n), decompressor: decoder.decompressor)
                }
                return reader.remaining
            }
            #expect(remaining == 0)
            #expect(out == ts, "\(family) n=\(n) codec \(codec)")
        }
    }

    @Test func gcdOfGapsIsFactoredOut() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        // Gaps are multiples of 60 000 but irregular.
        var rng = SplitMix64(seed: 60)
        var ts: [Int64] = [1_700_000_000_000]
        for _ in 0..<500 { ts.append(ts.last! + 60_000 * Int64.random(in: 1...5, using: &rng)) }
        let (bytes, summary) = try checkRoundTrip(ts, ts.map { _ in 2.0 }, encoder: encoder, decoder: decoder)
        #expect(summary.timestampCodec != .regular)
        let section = blockSections(of: bytes).timestamps
        #expect(Array(section.prefix(varintBytes(60_000).count)) == varintBytes(60_000))
        #expect(gcd(0, 12) == 12)
        #expect(gcd(12, 18) == 6)
        #expect(gcd(UInt64.max, UInt64.max - 1) == 1)
    }

    // MARK: Column streams

    @Test func columnStreamStoresRawOrZstdAndRoundTrips() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: 5)
        let compressible = [UInt8](repeating: 7, count: 5000)
        let random = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for (payload, kind) in [(compressible, ColumnStream.zstd), (random, ColumnStream.raw), ([], ColumnStream.raw), ([1], ColumnStream.raw)] {
            var writer = ByteWriter()
            try ColumnStream.write(payload, to: &writer, compressor: encoder.compressor)
            #expect(writer.bytes.first == kind)
            let (decoded, remaining) = try writer.bytes.withUnsafeBytes { (raw) throws in
                var reader = ByteReader(raw)
                let out = try ColumnStream.read(&reader, "test", expectedLength: payload.count, limit: payload.count,
                                                scratch: decoder.streamScratch, decompressor: decoder.decompressor)
                return (Array(out), reader.remaining)
            }
            #expect(decoded == payload)
            #expect(remaining == 0)
        }
    }

    @Test func columnStreamRejectsBadKindsLengthsAndFrames() throws {
        let decoder = try BlockDecoder()
        func read(_ bytes: [UInt8], expected: Int?, limit: Int) -> String {
            thrownKind {
                try bytes.withUnsafeBytes { (raw) throws in
                    var reader = ByteReader(raw)
                    _ = try ColumnStream.read(&reader, "t", expectedLength: expected, limit: limit,
                                              scratch: decoder.streamScratch, decompressor: decoder.decompressor)
                }
            }
        }
        #expect(read([2, 0], expected: nil, limit: 10) == "unknownCodec")
        #expect(read([0, 3, 1, 2, 3], expected: 4, limit: 10) == "corrupt")      // length != expected
        #expect(read([0, 11] + [UInt8](repeating: 0, count: 11), expected: nil, limit: 10) == "corrupt")  // over limit
        #expect(read([0, 5, 1, 2], expected: nil, limit: 10) == "truncated")
        #expect(read([0], expected: nil, limit: 10) == "truncated")
        #expect(read([], expected: nil, limit: 10) == "truncated")
        #expect(read([1, 4, 3, 0xDE, 0xAD, 0xBE], expected: nil, limit: 10) == "corrupt")  // not a zstd frame
        #expect(read([1, 4, 100, 0xDE], expected: nil, limit: 10) == "corrupt")  // stored length > remaining
        #expect(read([0, 3, 1, 2, 3], expected: 3, limit: 10) == "none")
    }
}
