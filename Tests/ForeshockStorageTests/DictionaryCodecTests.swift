import ForeshockTestSupport
@testable import ForeshockStorage
import Testing

/// The dictionary value codec: selection, round trip, and hostile dictionaries.
@Suite struct DictionaryCodecTests {
    /// Encodes `values` with the dictionary codec directly.
    static func encode(_ values: [Double], encoder: BlockEncoder) throws -> [UInt8] {
        try values.withUnsafeBufferPointer { v in
            let distinct = try #require(DictionaryValueCodec.distinctValues(v))
            var writer = ByteWriter()
            try DictionaryValueCodec.encode(v, entries: distinct.entries, ranks: distinct.ranks, to: &writer, encoder: encoder)
            return writer.bytes
        }
    }

    static func decode(_ bytes: [UInt8], count: Int) throws -> [Double] {
        let decoder = try BlockDecoder()
        var out = [Double](repeating: 0, count: count)
        try bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            try out.withUnsafeMutableBufferPointer { try DictionaryValueCodec.decode(&reader, into: $0, decoder: decoder) }
            #expect(reader.remaining == 0)
        }
        return out
    }

    @Test func fewDistinctValuesIncludingSpecialsRoundTripBitExactly() throws {
        var rng = SplitMix64(seed: 0xD1C7)
        let palette: [Double] = [33.3333, 33.4447, -0.0, 0.0, .nan, Double(bitPattern: 0x7FF8_0000_0000_0ABC), .infinity,
                                 -.infinity, .leastNonzeroMagnitude, 1e300]
        let values = (0..<5000).map { _ in rng.pick(palette) }
        let decoded = try Self.decode(try Self.encode(values, encoder: BlockEncoder()), count: values.count)
        #expect(decoded.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test func columnsWithMostlyDistinctValuesAreNotOffered() {
        let values = (0..<1000).map { Double($0) * 0.37 }
        #expect(values.withUnsafeBufferPointer { DictionaryValueCodec.distinctValues($0) } == nil)
        let tiny = [1.0, 1.0, 1.0]
        #expect(tiny.withUnsafeBufferPointer { DictionaryValueCodec.distinctValues($0) } == nil)
    }

    @Test func encoderPicksTheDictionaryForAFewRepeatedLevels() throws {
        var rng = SplitMix64(seed: 3)
        let levels = (0..<40).map { _ in Double.random(in: 0..<100, using: &rng) }
        let values = (0..<4096).map { _ in rng.pick(levels) }
        let (_, summary) = try checkRoundTrip((0..<4096).map { Int64($0) * 60_000 }, values,
                                              encoder: BlockEncoder(), decoder: BlockDecoder())
        #expect(summary.valueCodec == .dictionary)
    }

    @Test func indexBeyondTheDictionaryIsCorrupt() throws {
        // Hand-built: 2 entries (byte-split codec), raw index plane with an index of 5.
        var writer = ByteWriter()
        writer.writeVarint(2)
        writer.write(ValueCodec.byteStreamSplit.rawValue)
        writer.write(UInt8(1))  // entries: bit width 1
        writer.write(UInt8(0))  // split 0
        writer.write(contentsOf: [ColumnStream.raw, 1, 0b10])  // packed 1-bit plane: entries 0 and 1 (bit patterns)
        writer.write(UInt8(3))  // indices: bit width 3
        writer.write(UInt8(0))
        writer.write(contentsOf: [ColumnStream.raw, 2, 0x51, 0x00])  // 4-bit packed: 1, 5, 0, 0
        #expect(throws: StorageError.self) { _ = try Self.decode(writer.bytes, count: 4) }
    }

    @Test func nestedOrUnknownEntryCodecIsRejected() throws {
        for id in [ValueCodec.dictionary.rawValue, 0, 9] {
            var writer = ByteWriter()
            writer.writeVarint(1)
            writer.write(id)
            #expect(throws: StorageError.unknownCodec(what: "dictionary entry", id: Int(id))) { _ = try Self.decode(writer.bytes, count: 4) }
        }
    }

    @Test func dictionaryLargerThanTheColumnIsCorrupt() throws {
        var writer = ByteWriter()
        writer.writeVarint(10)
        #expect(throws: StorageError.self) { _ = try Self.decode(writer.bytes, count: 4) }
    }
}
