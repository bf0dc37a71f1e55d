import ForeshockTestSupport
@testable import ForeshockSketches
import Testing

@Suite("Serialization")
struct SerializationTests {
    /// Sketches covering every field and both store layouts.
    static let fixtures: [(String, DDSketch)] = {
        var fixtures: [(String, DDSketch)] = [("empty", DDSketch())]
        var specials = DDSketch(mapping: .logarithmic(relativeAccuracy: 0.02))
        specials.add(contentsOf: [.nan, .infinity, 0, -0.0, Double.leastNormalMagnitude / 4, 5])
        fixtures.append(("specials", specials))
        var onlyNaN = DDSketch()
        onlyNaN.add(.nan)
        fixtures.append(("only NaN", onlyNaN))
        for mapping in allMappings(relativeAccuracy: 0.01) + [.exponentialHistogram(scale: -2), .exponentialHistogram(scale: 12)] {
            fixtures.append(("log-normal \(mapping)", sketchBatch(Distribution.logNormal.values(count: 5_000, seed: 1), mapping: mapping)))
        }
        fixtures.append(("mixed signs", sketchBatch(Distribution.mixedWithZeros.values(count: 3_000, seed: 2))))
        fixtures.append(("bimodal (sparse)", sketchBatch(Distribution.bimodal.values(count: 300, seed: 3))))
        fixtures.append(("collapsed", sketchBatch(Distribution.heavyPareto.values(count: 3_000, seed: 4), maxBuckets: 20)))
        fixtures.append(("tiny α", sketchBatch(Distribution.uniform.values(count: 500, seed: 5),
                                               mapping: .cubicallyInterpolated(relativeAccuracy: 1e-9), maxBuckets: 65_536)))
        fixtures.append(("one bucket limit", sketchBatch(Distribution.logNormal.values(count: 100, seed: 6), maxBuckets: 1)))
        return fixtures
    }()

    @Test("decode(encode(sketch)) == sketch, bit for bit")
    func roundTrip() throws {
        for (name, sketch) in Self.fixtures {
            let bytes = sketch.serialized()
            let decoded = try DDSketch(serialized: bytes)
            #expect(decoded == sketch, "\(name)")
            #expect(decoded.serialized() == bytes, "\(name)")
            decoded._checkInvariants()
        }
    }

    @Test("the format is as documented (docs/SKETCHES.md example)")
    func goldenBytes() throws {
        var sketch = DDSketch()  // cubic, α = 0.01, 2048 buckets
        for value in [1.0, 2, -3, 0] { sketch.add(value) }
        let expected: [UInt8] = [
            0x01,                                            // version
            0x02, 0x7B, 0x14, 0xAE, 0x47, 0xE1, 0x7A, 0x84, 0x3F,  // cubic, α = 0.01
            0x80, 0x10,                                      // maxBuckets 2048
            0x04, 0x01, 0x00, 0x00,                          // count 4, zeros 1, NaN 0, ±Inf 0
            0, 0, 0, 0, 0, 0, 0, 0,                          // sum 0.0
            0, 0, 0, 0, 0, 0, 0x08, 0xC0,                    // minimum −3.0
            0, 0, 0, 0, 0, 0, 0x00, 0x40,                    // maximum 2.0
            0x01, 0x02, 0x00, 0x01, 0x22, 0x01,              // positive: sparse, 2 buckets: index 0 ×1, +34 ×1
            0x02, 0x6E, 0x01, 0x01,                          // negative: dense from index 55, 1 slot: ×1
        ]
        #expect(sketch.serialized() == expected)
        #expect(try DDSketch(serialized: expected) == sketch)
    }

    @Test("10M-value sketches stay small: a few bytes per bucket")
    func compactness() {
        let sketch = Self.fixtures.first { $0.0.hasPrefix("log-normal cubic") }!.1
        let buckets = sketch.positiveStore.buckets.count
        #expect(sketch.serialized().count < 40 + 3 * buckets)
    }

    @Test("every truncation throws")
    func truncation() {
        for (name, sketch) in Self.fixtures {
            let bytes = sketch.serialized()
            let lengths = bytes.count <= 600 ? Array(0..<bytes.count) : Array(0..<300) + Array((bytes.count - 300)..<bytes.count)
            for length in lengths {
                #expect(throws: SketchError.self, "\(name) cut at \(length)") { try DDSketch(serialized: bytes[..<length]) }
            }
        }
    }

    @Test("flipped bytes never crash; whatever decodes is a valid sketch")
    func corruption() {
        var rng = SplitMix64(seed: 31)
        for (_, sketch) in Self.fixtures {
            let bytes = sketch.serialized()
            let positions = bytes.count <= 200 ? Array(bytes.indices) : (0..<200).map { _ in Int(rng.next() % UInt64(bytes.count)) }
            for position in positions {
                for mask in [0xFF, 0x01, 0x80, UInt8(truncatingIfNeeded: rng.next() | 1)] as [UInt8] {
                    var damaged = bytes
                    damaged[position] ^= mask
                    if let decoded = try? DDSketch(serialized: damaged) {
                        decoded._checkInvariants()
                        _ = decoded.quantiles(manyQuantiles)
                        #expect((try? DDSketch(serialized: decoded.serialized())) == decoded)
                    }
                }
            }
        }
    }

    @Test("random bytes never crash")
    func garbage() {
        var rng = SplitMix64(seed: 41)
        for _ in 0..<20_000 {
            var bytes = (0..<Int(rng.next() % 48)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // Mostly a valid version and mapping, so that decoding gets past the header.
            if bytes.count > 2 && rng.next() % 4 != 0 {
                bytes[0] = 1
                bytes[1] = UInt8(rng.next() % 4)
            }
            if let decoded = try? DDSketch(serialized: bytes) { decoded._checkInvariants() }
        }
    }

    @Test("errors name the field and offset")
    func specificErrors() throws {
        let good = DDSketch(relativeAccuracy: 0.01).serialized()  // 01 02 <8 bytes α> 80 10 00 00 00 00 00 00
        func decode(_ bytes: [UInt8]) -> SketchError? {
            do { _ = try DDSketch(serialized: bytes); return nil } catch { return error }
        }
        #expect(decode(good) == nil)
        #expect(decode([]) == .truncated(what: "sketch format version", offset: 0))
        #expect(decode([2] + good.dropFirst()) == .unsupportedVersion(what: "sketch", found: 2, supported: 1))
        #expect(decode([0] + good.dropFirst()) == .corrupt(what: "sketch format version 0", offset: 0))
        #expect(decode([1, 9] + good.dropFirst(2)) == .corrupt(what: "mapping kind 9", offset: 1))
        var nanAccuracy = good
        nanAccuracy.replaceSubrange(2..<10, with: [0, 0, 0, 0, 0, 0, 0xF8, 0x7F])
        #expect(decode(nanAccuracy) == .corrupt(what: "relative accuracy nan", offset: 2))
        var zeroBuckets = good
        zeroBuckets.replaceSubrange(10..<12, with: [0x00])
        #expect(decode(zeroBuckets) == .corrupt(what: "maxBuckets = 0 (allowed 1…65536)", offset: 10))
        #expect(decode(good + [0]) == .corrupt(what: "sketch (1 trailing bytes)", offset: good.count))
        // A count that the buckets do not add up to: count 1, sum 0, min 0, max 1, no buckets.
        var wrongCount = good
        wrongCount[12] = 1
        wrongCount.insert(contentsOf: [UInt8](repeating: 0, count: 16) + [0, 0, 0, 0, 0, 0, 0xF0, 0x3F], at: 16)
        #expect(decode(wrongCount) == .corrupt(what: "count 1 ≠ zero count + bucket counts", offset: 12))
        // Claims checked against the bytes present before anything is allocated.
        let header = Array(DDSketch(relativeAccuracy: 0.01, maxBuckets: 65_536).serialized().dropLast(2))
        let hugeDense = header + [0x02, 0x00, 0xE0, 0xD4, 0x03, 0x01, 0x01, 0x01]  // 60,000 slots, 3 bytes
        #expect(decode(hugeDense) == .truncated(what: "positive store counts", offset: header.count + 2))
        let hugeSparse = header + [0x01, 0xE0, 0xD4, 0x03, 0x00, 0x01]  // 60,000 buckets, 2 bytes
        #expect(decode(hugeSparse) == .truncated(what: "positive store buckets", offset: header.count + 1))
        // A bucket index outside what the mapping can produce.
        let farIndex = header + [0x02, 0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 0x01, 0x01, 0x00]
        if case .corrupt(let what, let offset)? = decode(farIndex) {
            #expect(what.hasPrefix("positive store first index = 2147483647"))
            #expect(offset == header.count + 1)
        } else {
            Issue.record("expected a corrupt first index, got \(String(describing: decode(farIndex)))")
        }
        // Inverted extremes.
        var inverted = wrongCount
        inverted.replaceSubrange(24..<32, with: [0, 0, 0, 0, 0, 0, 0, 0x40])  // min 2 > max 1
        #expect(decode(inverted) == .corrupt(what: "minimum 2.0 / maximum 1.0", offset: 24))
    }

    @Test("a sparse store spanning more than maxBuckets is rejected")
    func spanOverLimit() {
        var sketch = DDSketch(relativeAccuracy: 0.01, maxBuckets: 20)
        sketch.add(1)     // index 0
        sketch.add(1.25)  // index 11
        var bytes = sketch.serialized()
        // … positive store 01 02 00 01 0B 01, negative store 00: set the gap to 20 (span 21 > 20).
        #expect(Array(bytes.suffix(7)) == [0x01, 0x02, 0x00, 0x01, 0x0B, 0x01, 0x00])
        #expect((try? DDSketch(serialized: bytes)) == sketch)
        bytes[bytes.count - 3] = 20
        #expect(throws: SketchError.self) { try DDSketch(serialized: bytes) }
    }
}
