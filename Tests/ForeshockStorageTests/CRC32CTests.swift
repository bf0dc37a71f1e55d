import ForeshockTestSupport
@testable import ForeshockStorage
import Testing

/// A bit-at-a-time CRC-32C, the textbook definition, to check the slicing-by-8 tables against.
func referenceCRC32C(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return ~crc
}

@Suite("CRC-32C")
struct CRC32CTests {
    @Test func checkValueOf123456789IsE3069283() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    /// The iSCSI test vectors of RFC 3720, appendix B.4.
    @Test func rfc3720VectorsMatch() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    @Test func emptyInputHasChecksumZeroAndUpdateIsIdentity() {
        #expect(CRC32C.checksum([UInt8]()) == 0)
        let empty = [UInt8]()
        empty.withUnsafeBytes { e in
            #expect(CRC32C.update(0, e) == 0)
            #expect(CRC32C.update(0xE306_9283, e) == 0xE306_9283)
        }
    }

    @Test func slicingBy8MatchesBitwiseReferenceForEveryLengthAndAlignment() {
        var rng = SplitMix64(seed: 0xC4C)
        let data = (0..<600).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for length in 0...80 {
            for start in 0..<9 {
                let slice = Array(data[start..<(start + length)])
                // Unaligned slice of the original array, not a copy.
                let viaPointer = data.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)])) }
                let expected = referenceCRC32C(slice)
                #expect(viaPointer == expected, "length \(length) start \(start)")
                #expect(CRC32C.checksum(slice) == expected)
            }
        }
        #expect(CRC32C.checksum(data) == referenceCRC32C(data))
    }

    @Test func incrementalUpdateEqualsOneShotAtEverySplit() {
        var rng = SplitMix64(seed: 0x1C)
        let data = (0..<257).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let oneShot = CRC32C.checksum(data)
        data.withUnsafeBytes { raw in
            for split in 0...data.count {
                let a = UnsafeRawBufferPointer(rebasing: raw[0..<split])
                let b = UnsafeRawBufferPointer(rebasing: raw[split...])
                #expect(CRC32C.update(CRC32C.update(0, a), b) == oneShot, "split \(split)")
            }
            // Many random chunkings, including empty chunks.
            for _ in 0..<200 {
                var crc: UInt32 = 0
                var position = 0
                while position < raw.count {
                    let size = min(raw.count - position, Int.random(in: 0...20, using: &rng))
                    crc = CRC32C.update(crc, UnsafeRawBufferPointer(rebasing: raw[position..<(position + size)]))
                    position += size
                }
                #expect(crc == oneShot)
            }
            // Byte by byte.
            var crc: UInt32 = 0
            for i in 0..<raw.count { crc = CRC32C.update(crc, UnsafeRawBufferPointer(rebasing: raw[i..<(i + 1)])) }
            #expect(crc == oneShot)
        }
        let digits = Array("123456789".utf8)
        digits.withUnsafeBytes { raw in
            let first = CRC32C.update(0, UnsafeRawBufferPointer(rebasing: raw[0..<4]))
            #expect(CRC32C.update(first, UnsafeRawBufferPointer(rebasing: raw[4...])) == 0xE306_9283)
        }
    }

    @Test func everySingleBitFlipChangesTheChecksum() {
        var rng = SplitMix64(seed: 3)
        let data = (0..<64).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let original = CRC32C.checksum(data)
        for bit in 0..<(data.count * 8) {
            var flipped = data
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(CRC32C.checksum(flipped) != original)
        }
    }

    @Test func encodedBlocksEndWithTheCRCOfTheirBody() throws {
        let encoder = try BlockEncoder()
        var rng = SplitMix64(seed: 4)
        for n in [1, 10, 1000] {
            let values = ValueFamily.mixed.makeValues(count: n, rng: &rng)
            let bytes = try encoder.encode(seriesID: 1, timestamps: Array(0..<Int64(n)), values: values)
            let body = Array(bytes.dropLast(4))
            #expect(loadLE(bytes, UInt32.self, at: bytes.count - 4) == referenceCRC32C(body))
        }
    }
}

@Suite struct CRC32CPathTests {
    @Test func hardwareAndPortablePathsAgreeAtEveryLengthAndAlignment() {
        var rng = SplitMix64(seed: 0xC2C)
        let bytes = (0..<600).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes.withUnsafeBytes { raw in
            for start in 0..<9 {
                for end in stride(from: start, through: raw.count, by: 7) {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[start..<end])
                    #expect(CRC32C.update(0x1234_5678, slice) == CRC32C.updateWithTables(0x1234_5678, slice))
                }
            }
        }
    }
}
