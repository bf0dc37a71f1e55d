import ForeshockTestSupport
@testable import ForeshockStorage
import Testing

@Suite("Byte encoding primitives")
struct EncodingTests {
    static let interestingUnsigned: [UInt64] = {
        var values: [UInt64] = [0, 1, 2, 126, 127, 128, 129, 255, 256, 16_383, 16_384, 2_097_151, 2_097_152,
                                UInt64(UInt32.max), UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max - 1, UInt64.max]
        for shift in stride(from: 7, through: 63, by: 7) {
            values += [(1 << UInt64(shift)) - 1, 1 << UInt64(shift), (1 << UInt64(shift)) + 1]
        }
        return values
    }()

    // MARK: Varints

    @Test func varintRoundTripsBoundaryValuesIncludingUInt64Max() throws {
        var rng = SplitMix64(seed: 1)
        var values = Self.interestingUnsigned
        for _ in 0..<2000 { values.append(rng.next() >> UInt64.random(in: 0...63, using: &rng)) }
        var writer = ByteWriter()
        for v in values { writer.writeVarint(v) }
        try writer.bytes.withUnsafeBytes { (raw) throws in
            var reader = ByteReader(raw)
            for v in values { #expect(try reader.readVarint("v") == v) }
            #expect(reader.remaining == 0)
        }
    }

    @Test func varintSizeMatchesTheWrittenLength() {
        for v in Self.interestingUnsigned {
            var writer = ByteWriter()
            writer.writeVarint(v)
            #expect(writer.count == varintSize(v), "\(v)")
        }
        #expect(varintSize(0) == 1)
        #expect(varintSize(127) == 1)
        #expect(varintSize(128) == 2)
        #expect(varintSize(UInt64.max) == 10)
    }

    @Test func varintOfUInt64MaxIsNineFFBytesThenOne() {
        #expect(varintBytes(UInt64.max) == [UInt8](repeating: 0xFF, count: 9) + [0x01])
        #expect(varintBytes(0) == [0])
        #expect(varintBytes(300) == [0xAC, 0x02])
    }

    @Test func varintOverflowingSixtyFourBitsIsCorrupt() {
        func read(_ bytes: [UInt8]) -> String {
            thrownKind { try bytes.withUnsafeBytes { raw in var r = ByteReader(raw); _ = try r.readVarint("v") } }
        }
        #expect(read([UInt8](repeating: 0xFF, count: 9) + [0x01]) == "none")
        #expect(read([UInt8](repeating: 0xFF, count: 9) + [0x02]) == "corrupt")
        #expect(read([UInt8](repeating: 0x80, count: 9) + [0x7F]) == "corrupt")
        #expect(read([UInt8](repeating: 0xFF, count: 10) + [0x01]) == "corrupt")  // 11 bytes
        #expect(read([UInt8](repeating: 0x80, count: 20)) == "corrupt")
        // Overlong but in range: zero padding is accepted.
        #expect(read([0x80, 0x80, 0x00]) == "none")
    }

    @Test func truncatedVarintThrowsTruncatedWithAbsoluteOffset() throws {
        for bytes: [UInt8] in [[], [0x80], [0xFF, 0xFF], [UInt8](repeating: 0xFF, count: 9)] {
            let error = #expect(throws: StorageError.self) {
                try bytes.withUnsafeBytes { raw in var r = ByteReader(raw, baseOffset: 100); _ = try r.readVarint("field") }
            }
            guard case let .truncated(what, offset) = error else {
                Issue.record("expected truncated, got \(String(describing: error))")
                continue
            }
            #expect(what == "field")
            #expect(offset == 100 + bytes.count)
        }
    }

    @Test func readCountRejectsValuesOverTheLimit() throws {
        let bytes = varintBytes(1000) + varintBytes(1001) + varintBytes(UInt64.max)
        try bytes.withUnsafeBytes { (raw) throws in
            var r = ByteReader(raw)
            #expect(try r.readCount("a", limit: 1000) == 1000)
            let error = #expect(throws: StorageError.self) { try r.readCount("b", limit: 1000) }
            #expect(error.map(storageErrorKind) == "corrupt")
            let start = varintBytes(1000).count + varintBytes(1001).count
            var r2 = ByteReader(UnsafeRawBufferPointer(rebasing: raw[start...]))
            #expect(throws: StorageError.self) { try r2.readCount("c", limit: Int.max) }
        }
    }

    @Test func bulkVarintsRoundTripAndRejectMissingOrExtraBytes() throws {
        var rng = SplitMix64(seed: 2)
        let values = Self.interestingUnsigned + (0..<500).map { _ in rng.next() >> UInt64.random(in: 0...63, using: &rng) }
        var bytes: [UInt8] = []
        values.withUnsafeBufferPointer { appendVarints($0, to: &bytes) }
        var writer = ByteWriter()
        for v in values { writer.writeVarint(v) }
        #expect(bytes == writer.bytes)
        var out = [UInt64](repeating: 0, count: values.count)
        try bytes.withUnsafeBytes { (raw) throws in
            try out.withUnsafeMutableBufferPointer { o in try decodeVarints(raw, into: o, "v", offset: 0) }
        }
        #expect(out == values)

        func decode(_ b: [UInt8], count: Int) -> String {
            thrownKind {
                var o = [UInt64](repeating: 0, count: count)
                try b.withUnsafeBytes { raw in try o.withUnsafeMutableBufferPointer { try decodeVarints(raw, into: $0, "v", offset: 0) } }
            }
        }
        #expect(decode(bytes, count: values.count + 1) == "truncated")
        #expect(decode(bytes + [0], count: values.count) == "corrupt")
        #expect(decode(Array(bytes.dropLast()), count: values.count) == "truncated")
        #expect(decode([UInt8](repeating: 0xFF, count: 9) + [0x02], count: 1) == "corrupt")
        #expect(decode([], count: 0) == "none")
    }

    @Test func bulkVarintsDecodeRunsOfOneByteValuesBetweenLongerOnes() throws {
        // Runs of values below 128 take the eight-at-a-time path; every run length around the
        // chunk size, at every alignment against multi-byte neighbours.
        var rng = SplitMix64(seed: 3)
        for trial in 0..<200 {
            var values: [UInt64] = []
            while values.count < 60 {
                let run = Int(rng.next() % 20)
                values += (0..<run).map { _ in rng.next() % 128 }
                values.append(128 + rng.next() >> (rng.next() % 57))
            }
            values = Array(values.prefix(Int(rng.next() % 60) + 1))
            var bytes: [UInt8] = []
            values.withUnsafeBufferPointer { appendVarints($0, to: &bytes) }
            var out = [UInt64](repeating: 0xDEAD, count: values.count)
            try bytes.withUnsafeBytes { (raw) throws in
                try out.withUnsafeMutableBufferPointer { o in try decodeVarints(raw, into: o, "v", offset: 0) }
            }
            #expect(out == values, "trial \(trial)")
        }
        func decode(_ b: [UInt8], count: Int) -> String {
            thrownKind {
                var o = [UInt64](repeating: 0, count: count)
                try b.withUnsafeBytes { raw in try o.withUnsafeMutableBufferPointer { try decodeVarints(raw, into: $0, "v", offset: 0) } }
            }
        }
        let small = [UInt8](repeating: 5, count: 16)
        #expect(decode(small, count: 16) == "none")
        #expect(decode(small, count: 8) == "corrupt")   // eight bytes after the last varint
        #expect(decode(small, count: 17) == "truncated")
        #expect(decode(Array(small.prefix(7)) + [0x80], count: 8) == "truncated")  // a run cut by a continuation byte
    }

    // MARK: Zigzag

    @Test func zigzagMapsSmallMagnitudesToSmallCodes() {
        #expect(zigzagEncode(0) == 0)
        #expect(zigzagEncode(-1) == 1)
        #expect(zigzagEncode(1) == 2)
        #expect(zigzagEncode(-2) == 3)
        #expect(zigzagEncode(2) == 4)
        #expect(zigzagEncode(Int64.max) == UInt64.max - 1)
        #expect(zigzagEncode(Int64.min) == UInt64.max)
    }

    @Test func zigzagRoundTripsIncludingInt64MinAndMax() {
        var rng = SplitMix64(seed: 3)
        var values: [Int64] = [0, 1, -1, 2, -2, 63, -64, 64, -65, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
        for _ in 0..<5000 { values.append(Int64(bitPattern: rng.next()) >> Int64.random(in: 0...63, using: &rng)) }
        for v in values { #expect(zigzagDecode(zigzagEncode(v)) == v) }
        for u in Self.interestingUnsigned { #expect(zigzagEncode(zigzagDecode(u)) == u) }
        // Through a varint too.
        var writer = ByteWriter()
        for v in values { writer.writeVarint(zigzagEncode(v)) }
        writer.bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            for v in values { #expect((try? r.readVarint("z")).map(zigzagDecode) == v) }
        }
    }

    // MARK: ByteWriter / ByteReader

    @Test func fixedWidthIntegersAreLittleEndianAndRoundTrip() throws {
        var writer = ByteWriter(capacity: 64)
        writer.write(UInt8(0xAB))
        writer.write(littleEndian: UInt16(0x0102))
        writer.write(littleEndian: UInt32(0x0304_0506))
        writer.write(littleEndian: Int64(-2))
        writer.writeDouble(-0.0)
        writer.writeDouble(Double(bitPattern: 0x7FF8_0000_0000_0001))
        #expect(Array(writer.bytes[0..<7]) == [0xAB, 0x02, 0x01, 0x06, 0x05, 0x04, 0x03])
        #expect(Array(writer.bytes[7..<15]) == [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Array(writer.bytes[15..<23]) == [0, 0, 0, 0, 0, 0, 0, 0x80])
        writer.patch(littleEndian: UInt16(0xBEEF), at: 1)
        try writer.bytes.withUnsafeBytes { (raw) throws in
            var r = ByteReader(raw, baseOffset: 10)
            #expect(try r.readByte("a") == 0xAB)
            #expect(try r.read(UInt16.self, "b") == 0xBEEF)
            #expect(try r.read(UInt32.self, "c") == 0x0304_0506)
            #expect(try r.read(Int64.self, "d") == -2)
            #expect(try r.readDouble("e").bitPattern == (-0.0).bitPattern)
            #expect(try r.readDouble("f").bitPattern == 0x7FF8_0000_0000_0001)
            #expect(r.remaining == 0)
            #expect(r.position == writer.count)
            #expect(r.absolutePosition == 10 + writer.count)
        }
    }

    @Test func byteReaderThrowsTruncatedNamingFieldAndOffsetWithoutMoving() throws {
        let bytes: [UInt8] = [1, 2, 3]
        try bytes.withUnsafeBytes { (raw) throws in
            var r = ByteReader(raw, baseOffset: 500)
            _ = try r.readByte("first")
            let e1 = #expect(throws: StorageError.self) { try r.read(UInt32.self, "word") }
            #expect(e1 == .truncated(what: "word", offset: 501))
            #expect(r.position == 1)  // a failed read consumes nothing
            let e2 = #expect(throws: StorageError.self) { try r.read(UInt64.self, "long") }
            #expect(e2 == .truncated(what: "long", offset: 501))
            let e3 = #expect(throws: StorageError.self) { try r.readDouble("double") }
            #expect(e3 == .truncated(what: "double", offset: 501))
            let e4 = #expect(throws: StorageError.self) { try r.readBytes(3, "bytes") }
            #expect(e4 == .truncated(what: "bytes", offset: 501))
            let e5 = #expect(throws: StorageError.self) { try r.readBytes(-1, "negative") }
            #expect(e5 == .truncated(what: "negative", offset: 501))
            #expect(try r.read(UInt16.self, "rest") == 0x0302)
            let e6 = #expect(throws: StorageError.self) { try r.readByte("past end") }
            #expect(e6 == .truncated(what: "past end", offset: 503))
            #expect(try r.readBytes(0, "nothing").count == 0)
        }
        // An empty buffer.
        try [UInt8]().withUnsafeBytes { (raw) throws in
            var r = ByteReader(raw)
            #expect(r.remaining == 0)
            #expect(throws: StorageError.truncated(what: "x", offset: 0)) { try r.readByte("x") }
            #expect(try r.readBytes(0, "none").isEmpty)
        }
    }

    @Test func readBytesBorrowsTheRequestedRange() throws {
        let bytes: [UInt8] = Array(0..<20)
        try bytes.withUnsafeBytes { (raw) throws in
            var r = ByteReader(raw)
            _ = try r.readBytes(5, "skip")
            #expect(Array(try r.readBytes(4, "take")) == [5, 6, 7, 8])
            #expect(r.remaining == 11)
        }
    }

    // MARK: Bit streams

    @Test func bitStreamRoundTripsRandomWidthsOneToSixtyFour() throws {
        var rng = SplitMix64(seed: 64)
        var fields: [(UInt64, Int)] = []
        for width in 1...64 { fields.append((width == 64 ? UInt64.max : (1 << UInt64(width)) - 1, width)) }
        for _ in 0..<3000 {
            let width = Int.random(in: 1...64, using: &rng)
            let value = width == 64 ? rng.next() : rng.next() & ((1 << UInt64(width)) - 1)
            fields.append((value, width))
        }
        var writer = BitWriter()
        for (value, width) in fields { writer.write(value, bits: width) }
        let totalBits = fields.reduce(0) { $0 + $1.1 }
        let bytes = writer.finish()
        #expect(bytes.count == (totalBits + 7) / 8)
        try bytes.withUnsafeBytes { (raw) throws in
            var reader = BitReader(raw, offset: 0)
            for (i, (value, width)) in fields.enumerated() {
                let got = try reader.read(bits: width)
                if got != value { Issue.record("field \(i) width \(width): \(got) != \(value)"); return }
            }
        }
    }

    @Test func bitWriterIsMSBFirstAndPadsWithZeros() {
        var writer = BitWriter()
        writer.write(1, bits: 1)
        writer.write(0, bits: 1)
        writer.write(0b11, bits: 2)
        writer.write(0b101, bits: 3)
        #expect(writer.finish() == [0b1011_1010])
        var w2 = BitWriter()
        w2.write(0xABCD, bits: 16)
        #expect(w2.finish() == [0xAB, 0xCD])
        var w3 = BitWriter()
        #expect(w3.finish() == [])
    }

    @Test func bitReaderPastTheEndThrowsTruncated() throws {
        let bytes: [UInt8] = [0xFF, 0x00]
        try bytes.withUnsafeBytes { (raw) throws in
            var reader = BitReader(raw, offset: 40)
            #expect(try reader.read(bits: 12) == 0xFF0)
            let error = #expect(throws: StorageError.self) { try reader.read(bits: 5) }
            #expect(error.map(storageErrorKind) == "truncated")
            #expect(try reader.read(bits: 4) == 0)
            #expect(throws: StorageError.self) { try reader.readBit() }
        }
        try [UInt8]().withUnsafeBytes { (raw) throws in
            var reader = BitReader(raw, offset: 0)
            #expect(throws: StorageError.self) { try reader.read(bits: 64) }
        }
    }

    // MARK: Scratch buffers

    @Test func scratchBufferGrowsAndStaysAligned() {
        let scratch = ScratchBuffer()
        #expect(scratch.reserve(0).count == 0)
        for size in [1, 100, 10, 5000, 64, 100_000] {
            let buffer = scratch.reserve(size)
            #expect(buffer.count == size)
            #expect(Int(bitPattern: buffer.baseAddress) % 64 == 0)
            buffer.initializeMemory(as: UInt8.self, repeating: 0xAA)  // writable over its whole length
        }
    }

    // MARK: Errors

    @Test func storageErrorDescriptionsNameWhatAndWhere() {
        #expect(StorageError.truncated(what: "x", offset: 5).description == "truncated x at byte 5")
        #expect(StorageError.checksumMismatch(what: "block", offset: 0, stored: 0xAB, computed: 0x1234_5678).description
            == "checksum mismatch in block at byte 0: stored 0x000000ab, computed 0x12345678")
        #expect(StorageError.corrupt(what: "y", offset: 1).located(in: "/f") == .inFile(path: "/f", .corrupt(what: "y", offset: 1)))
        #expect(StorageError.inFile(path: "/a", .corrupt(what: "y", offset: 1)).located(in: "/b")
            == .inFile(path: "/a", .corrupt(what: "y", offset: 1)))
        #expect(StorageError.io(path: "/p", operation: "open", errno: 2).located(in: "/b") == .io(path: "/p", operation: "open", errno: 2))
    }
}
