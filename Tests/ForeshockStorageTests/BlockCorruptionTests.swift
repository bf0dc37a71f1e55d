import ForeshockTestSupport
@testable import ForeshockStorage
import Testing

/// A named encoded block used as a corruption target.
struct CorruptionFixture: Sendable, CustomTestStringConvertible {
    let name: String
    let timestamps: [Int64]
    let values: [Double]

    var testDescription: String { "\(name) (\(timestamps.count) points)" }

    func encode() throws -> [UInt8] {
        try BlockEncoder().encode(seriesID: 0xFEED, timestamps: timestamps, values: values)
    }

    static let all: [CorruptionFixture] = {
        var rng = SplitMix64(seed: 0xBAD)
        func make(_ name: String, _ n: Int, _ v: ValueFamily, _ t: TimestampFamily) -> CorruptionFixture {
            CorruptionFixture(name: name, timestamps: t.makeTimestamps(count: n, rng: &rng), values: v.makeValues(count: n, rng: &rng))
        }
        var runs: [Double] = []
        while runs.count < 200 { runs += [Double](repeating: Double.random(in: 0..<1, using: &rng), count: 50) }
        return [
            CorruptionFixture(name: "single point", timestamps: [Int64.max], values: [-.nan]),
            CorruptionFixture(name: "two points", timestamps: [Int64.min, -1], values: [1.5, .infinity]),
            make("decimal/regular", 7, .decimals, .regular),
            make("decimal artefacts/random gaps", 300, .binaryArtefacts, .randomGaps),
            make("random bits/jittered", 100, .randomBits, .jittered),
            make("mixed/huge gaps", 250, .mixed, .hugeGaps),
            make("constant/with gaps", 500, .constant, .withGaps),
            CorruptionFixture(name: "xor runs/jittered", timestamps: TimestampFamily.jittered.makeTimestamps(count: 200, rng: &rng), values: runs),
            make("big random bits", 5000, .randomBits, .jittered),
            make("big decimals", 8192, .decimalsWithGaps, .randomGaps),
        ]
    }()
}

/// Positions to corrupt: all of them for small blocks, a deterministic sample of 500 (always
/// including the whole header and the checksum) for big ones.
func corruptionPositions(count: Int, seed: UInt64) -> [Int] {
    if count <= 4000 { return Array(0..<count) }
    var rng = SplitMix64(seed: seed)
    var positions = Set(0..<BlockFormat.headerSize)
    positions.formUnion((count - 4)..<count)
    while positions.count < 500 + BlockFormat.headerSize { positions.insert(Int.random(in: 0..<count, using: &rng)) }
    return positions.sorted()
}

/// The XOR masks applied at one position: three (all bits, one bit, a random byte) for small
/// blocks, one of those in rotation for sampled big blocks (keeps the debug run short).
func corruptionMasks(position: Int, sampled: Bool, rng: inout SplitMix64) -> [UInt8] {
    let all: [UInt8] = [0xFF, 1 << UInt8.random(in: 0...7, using: &rng), UInt8.random(in: 1...255, using: &rng)]
    return sampled ? [all[position % 3]] : all
}

@Suite("Block corruption")
struct BlockCorruptionTests {
    @Test(arguments: CorruptionFixture.all)
    func fixtureEncodesAndDecodesCleanly(_ fixture: CorruptionFixture) throws {
        try checkRoundTrip(fixture.timestamps, fixture.values, seriesID: 0xFEED, label: fixture.name,
                           encoder: BlockEncoder(), decoder: BlockDecoder())
    }

    /// With the checksum on, any single-byte change anywhere is detected; changes after the
    /// header are reported as checksum mismatches. The caller's arrays are left as they were.
    @Test(arguments: CorruptionFixture.all)
    func everyByteFlipIsDetectedWithTheChecksumOn(_ fixture: CorruptionFixture) throws {
        let original = try fixture.encode()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: UInt64(original.count))
        var failures: [String] = []
        let positions = corruptionPositions(count: original.count, seed: 1)
        for position in positions {
            for mask in corruptionMasks(position: position, sampled: positions.count < original.count, rng: &rng) {
                var bytes = original
                bytes[position] ^= mask
                var ts: [Int64] = [1, 2]
                var vs: [Double] = [3, 4]
                let outcome = thrownKind { try decoder.decode(bytes, appendingTo: &ts, &vs) }
                if outcome == "none" || outcome.hasPrefix("foreign") {
                    failures.append("byte \(position) ^ \(mask): \(outcome)")
                } else if position >= BlockFormat.headerSize && outcome != "checksumMismatch" {
                    failures.append("byte \(position) ^ \(mask): \(outcome), expected checksumMismatch")
                }
                if ts != [1, 2] || vs != [3, 4] { failures.append("byte \(position): output arrays changed") }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }

    /// With the checksum off, corrupt bytes may decode to other values, but decoding must
    /// either throw a StorageError or return a self-consistent result: never trap.
    @Test(arguments: CorruptionFixture.all)
    func everyByteFlipThrowsOrReturnsWithTheChecksumOff(_ fixture: CorruptionFixture) throws {
        let original = try fixture.encode()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: UInt64(original.count) &+ 17)
        var failures: [String] = []
        var returned = 0, thrown = 0
        let positions = corruptionPositions(count: original.count, seed: 2)
        for position in positions {
            for mask in corruptionMasks(position: position, sampled: positions.count < original.count, rng: &rng) {
                var bytes = original
                bytes[position] ^= mask
                do {
                    let (ts, vs, summary) = try decodeBlock(bytes, decoder: decoder, verifyChecksum: false)
                    returned += 1
                    if ts.count != summary.count || vs.count != summary.count {
                        failures.append("byte \(position): \(ts.count) points, summary says \(summary.count)")
                    }
                } catch is StorageError {
                    thrown += 1
                } catch {
                    failures.append("byte \(position): foreign error \(error)")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
        #expect(thrown > 0)
    }

    /// A "hostile" block (bytes changed and the CRC recomputed) exercises every validation
    /// behind the checksum: decoding must throw a StorageError or return timestamps that are
    /// strictly increasing from the header's first to its last timestamp.
    @Test(arguments: CorruptionFixture.all.filter { $0.timestamps.count <= 500 })
    func hostileBlocksWithValidChecksumsNeverTrap(_ fixture: CorruptionFixture) throws {
        let original = try fixture.encode()
        let decoder = try BlockDecoder()
        var rng = SplitMix64(seed: UInt64(original.count) &+ 99)
        var failures: [String] = []
        var attempts: [(String, [UInt8])] = []
        for position in 0..<(original.count - 4) {
            for mask in [UInt8(0xFF), 1 << UInt8.random(in: 0...7, using: &rng), UInt8.random(in: 1...255, using: &rng)] {
                var bytes = original
                bytes[position] ^= mask
                recomputeCRC(&bytes)
                attempts.append(("byte \(position) ^ \(mask)", bytes))
            }
        }
        // Multi-byte damage after the header.
        for i in 0..<300 {
            var bytes = original
            for _ in 0..<Int.random(in: 2...6, using: &rng) {
                bytes[Int.random(in: BlockFormat.headerSize..<(bytes.count - 4), using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            recomputeCRC(&bytes)
            attempts.append(("multi \(i)", bytes))
        }
        for (label, bytes) in attempts {
            do {
                let (ts, vs, summary) = try decodeBlock(bytes, decoder: decoder)
                if ts.count != summary.count || vs.count != summary.count { failures.append("\(label): wrong point count") }
                if ts.first != summary.firstTimestamp || ts.last != summary.lastTimestamp {
                    failures.append("\(label): timestamps \(ts.first ?? 0)...\(ts.last ?? 0) vs header")
                }
                if zip(ts, ts.dropFirst()).contains(where: { $0 >= $1 }) {
                    failures.append("\(label): timestamps not strictly increasing")
                }
            } catch is StorageError {
            } catch {
                failures.append("\(label): foreign error \(error)")
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }

    /// Cutting a block short anywhere is reported as truncation, with or without the checksum.
    @Test(arguments: CorruptionFixture.all)
    func everyTruncationThrowsTruncated(_ fixture: CorruptionFixture) throws {
        let original = try fixture.encode()
        let decoder = try BlockDecoder()
        var lengths = corruptionPositions(count: original.count, seed: 3)
        lengths.removeAll { $0 >= original.count }
        var failures: [String] = []
        for length in lengths {
            let bytes = Array(original[0..<length])
            for verify in [true, false] {
                var ts: [Int64] = [9]
                var vs: [Double] = [9]
                let outcome = thrownKind { try decoder.decode(bytes, verifyChecksum: verify, appendingTo: &ts, &vs) }
                if outcome != "truncated" { failures.append("length \(length) verify \(verify): \(outcome)") }
                if ts != [9] || vs != [9] { failures.append("length \(length): output arrays changed") }
            }
            let summaryOutcome = thrownKind { _ = try bytes.withUnsafeBytes { try BlockDecoder.summary(of: $0) } }
            if summaryOutcome != "truncated" { failures.append("summary of length \(length): \(summaryOutcome)") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }

    // MARK: - Header fields

    static func smallBlock() throws -> [UInt8] {
        try BlockEncoder().encode(seriesID: 42, timestamps: [1000, 2000, 3000, 4000, 5000, 6000, 7000],
                                  values: [0.5, 1.25, -3, 4, .nan, 6, 7.75])
    }

    static func decodeKind(_ bytes: [UInt8], verifyChecksum: Bool = true) -> String {
        thrownKind { try decodeBlock(bytes, decoder: BlockDecoder(), verifyChecksum: verifyChecksum) }
    }

    static func decodeError(_ bytes: [UInt8], verifyChecksum: Bool = true) -> StorageError? {
        do {
            try decodeBlock(bytes, decoder: BlockDecoder(), verifyChecksum: verifyChecksum)
            return nil
        } catch let error as StorageError {
            return error
        } catch {
            return nil
        }
    }

    @Test func wrongMagicIsCorrupt() throws {
        let original = try Self.smallBlock()
        for i in 0..<4 {
            var bytes = original
            bytes[i] ^= 0x20
            #expect(Self.decodeKind(bytes) == "corrupt")
            recomputeCRC(&bytes)
            #expect(Self.decodeKind(bytes) == "corrupt")
            #expect(thrownKind { _ = try bytes.withUnsafeBytes { try BlockDecoder.summary(of: $0) } } == "corrupt")
        }
        var zeros = [UInt8](repeating: 0, count: 200)
        #expect(Self.decodeKind(zeros) == "corrupt")
        zeros = Array("FSB2".utf8) + original.dropFirst(4)
        #expect(Self.decodeKind(zeros) == "corrupt")
    }

    @Test func newerOrZeroVersionIsUnsupportedVersion() throws {
        let original = try Self.smallBlock()
        for version: UInt8 in [2, 3, 255, 0] {
            var bytes = original
            bytes[HeaderOffset.version] = version
            recomputeCRC(&bytes)
            let error = Self.decodeError(bytes)
            guard case let .unsupportedVersion(_, found, supported) = error else {
                Issue.record("version \(version): \(String(describing: error))")
                continue
            }
            #expect(found == Int(version))
            #expect(supported == 1)
            // Also without the recomputed checksum: the version is checked first.
            var stale = original
            stale[HeaderOffset.version] = version
            #expect(Self.decodeKind(stale) == "unsupportedVersion")
        }
    }

    @Test(arguments: [UInt32.max, UInt32(BlockFormat.maxPoints) + 1, 0x8000_0000, 0])
    func absurdPointCountIsCorruptWithoutAllocating(_ count: UInt32) throws {
        var bytes = try Self.smallBlock()
        patchLE(&bytes, count, at: HeaderOffset.count)
        recomputeCRC(&bytes)
        var ts: [Int64] = []
        var vs: [Double] = []
        let error = #expect(throws: StorageError.self) { try BlockDecoder().decode(bytes, appendingTo: &ts, &vs) }
        #expect(error.map(storageErrorKind) == "corrupt")
        #expect(ts.isEmpty && vs.isEmpty)
        #expect(ts.capacity < 1024 && vs.capacity < 1024)
        // The header-only path agrees.
        #expect(thrownKind { _ = try bytes.withUnsafeBytes { try BlockDecoder.summary(of: $0) } } == "corrupt")
    }

    @Test func pointCountDisagreeingWithTheColumnsIsDetected() throws {
        let original = try Self.smallBlock()
        for count: UInt32 in [1, 2, 6, 8, 100, UInt32(BlockFormat.maxPoints)] {
            var bytes = original
            patchLE(&bytes, count, at: HeaderOffset.count)
            recomputeCRC(&bytes)
            let outcome = Self.decodeKind(bytes)
            #expect(outcome != "none" && !outcome.hasPrefix("foreign"), "count \(count): \(outcome)")
        }
    }

    @Test func unknownCodecIDsAreUnknownCodec() throws {
        let original = try Self.smallBlock()
        for id: UInt8 in [3, 4, 0x80, 255] {
            var bytes = original
            bytes[HeaderOffset.timestampCodec] = id
            recomputeCRC(&bytes)
            #expect(Self.decodeError(bytes) == .unknownCodec(what: "timestamp", id: Int(id)))
        }
        for id: UInt8 in [0, 6, 7, 255] {
            var bytes = original
            bytes[HeaderOffset.valueCodec] = id
            recomputeCRC(&bytes)
            #expect(Self.decodeError(bytes) == .unknownCodec(what: "value", id: Int(id)))
        }
    }

    /// Relabelling a column with another known codec must be caught by that codec's checks or
    /// decode to something, never trap.
    @Test func swappedCodecIDsThrowOrDecodeWithoutTrapping() throws {
        var rng = SplitMix64(seed: 0x5A)
        var blocks = [try Self.smallBlock()]
        for fixture in CorruptionFixture.all where fixture.timestamps.count <= 500 { blocks.append(try fixture.encode()) }
        blocks.append(try BlockEncoder().encode(seriesID: 1, timestamps: TimestampFamily.randomGaps.makeTimestamps(count: 50, rng: &rng),
                                                values: ValueFamily.randomBits.makeValues(count: 50, rng: &rng)))
        for original in blocks {
            for t in TimestampCodec.allCases {
                for v in ValueCodec.allCases {
                    var bytes = original
                    bytes[HeaderOffset.timestampCodec] = t.rawValue
                    bytes[HeaderOffset.valueCodec] = v.rawValue
                    recomputeCRC(&bytes)
                    let outcome = Self.decodeKind(bytes)
                    #expect(!outcome.hasPrefix("foreign"))
                    if t.rawValue != original[HeaderOffset.timestampCodec] && original.count > 2 && loadLE(original, UInt32.self, at: HeaderOffset.count) > 2 {
                        // A different timestamp codec cannot parse the same column.
                        #expect(outcome != "none", "timestamp codec \(t) on a \(original[HeaderOffset.timestampCodec]) column")
                    }
                }
            }
        }
    }

    @Test func nanCountAboveCountIsCorrupt() throws {
        var bytes = try Self.smallBlock()
        patchLE(&bytes, UInt32(8), at: HeaderOffset.nanCount)
        recomputeCRC(&bytes)
        #expect(Self.decodeKind(bytes) == "corrupt")
    }

    @Test func inconsistentTimeRangeIsCorrupt() throws {
        let original = try Self.smallBlock()
        // first > last
        var bytes = original
        patchLE(&bytes, Int64(8000), at: HeaderOffset.firstTimestamp)
        recomputeCRC(&bytes)
        #expect(Self.decodeKind(bytes) == "corrupt")
        // first == last with 7 points
        bytes = original
        patchLE(&bytes, Int64(7000), at: HeaderOffset.firstTimestamp)
        recomputeCRC(&bytes)
        #expect(Self.decodeKind(bytes) == "corrupt")
        // last disagreeing with the column
        bytes = original
        patchLE(&bytes, Int64(7001), at: HeaderOffset.lastTimestamp)
        recomputeCRC(&bytes)
        #expect(Self.decodeKind(bytes) == "corrupt")
        // first shifted: the column then ends elsewhere
        bytes = original
        patchLE(&bytes, Int64(999), at: HeaderOffset.firstTimestamp)
        recomputeCRC(&bytes)
        #expect(Self.decodeKind(bytes) == "corrupt")
        // One point whose first and last differ.
        var single = try BlockEncoder().encode(seriesID: 1, timestamps: [5], values: [1])
        patchLE(&single, Int64(6), at: HeaderOffset.lastTimestamp)
        recomputeCRC(&single)
        #expect(Self.decodeKind(single) == "corrupt")
    }

    @Test func blockAndSectionLengthsAreChecked() throws {
        let original = try Self.smallBlock()
        let total = original.count
        let cases: [(UInt32, UInt32?, String)] = [
            (0, nil, "corrupt"),
            (UInt32(BlockFormat.headerSize + 3), nil, "corrupt"),
            (UInt32(BlockFormat.maxBlockBytes + 1), nil, "corrupt"),
            (UInt32.max, nil, "corrupt"),
            (UInt32(total + 1), nil, "truncated"),
            (UInt32(total), UInt32(total - BlockFormat.headerSize - 3), "corrupt"),
            (UInt32(total), UInt32.max, "corrupt"),
        ]
        for (length, timestampLength, expected) in cases {
            var bytes = original
            patchLE(&bytes, length, at: HeaderOffset.blockLength)
            if let timestampLength { patchLE(&bytes, timestampLength, at: HeaderOffset.timestampLength) }
            recomputeCRC(&bytes)
            #expect(Self.decodeKind(bytes) == expected, "length \(length) timestamps \(String(describing: timestampLength))")
            #expect(Self.decodeKind(bytes, verifyChecksum: false) == expected)
        }
        // Shifting the section boundary either way breaks one of the columns.
        for delta in [-1, 1, 2] {
            var bytes = original
            let ts = Int(loadLE(original, UInt32.self, at: HeaderOffset.timestampLength))
            patchLE(&bytes, UInt32(ts + delta), at: HeaderOffset.timestampLength)
            recomputeCRC(&bytes)
            let outcome = Self.decodeKind(bytes)
            #expect(outcome != "none" && !outcome.hasPrefix("foreign"), "boundary \(delta): \(outcome)")
        }
    }

    @Test func bytesAfterAColumnAreCorrupt() throws {
        let original = try Self.smallBlock()
        let (header, ts, vs) = blockSections(of: original)
        let clean = assembleBlock(header: header, timestamps: ts, values: vs)
        #expect(clean == original)
        let tsError = Self.decodeError(assembleBlock(header: header, timestamps: ts + [0], values: vs))
        #expect(tsError.map(storageErrorKind) == "corrupt")
        let vsError = Self.decodeError(assembleBlock(header: header, timestamps: ts, values: vs + [0, 0]))
        #expect(vsError.map(storageErrorKind) == "corrupt")
    }

    @Test func checksumMismatchReportsStoredAndComputedAtTheBaseOffset() throws {
        var bytes = try Self.smallBlock()
        let stored = loadLE(bytes, UInt32.self, at: bytes.count - 4)
        bytes[bytes.count - 1] ^= 0x01
        var ts: [Int64] = []
        var vs: [Double] = []
        let error = #expect(throws: StorageError.self) { try BlockDecoder().decode(bytes, baseOffset: 4096, appendingTo: &ts, &vs) }
        #expect(error == .checksumMismatch(what: "block", offset: 4096, stored: stored ^ 0x0100_0000, computed: stored))
        // The same bytes decode when the caller skips verification.
        let (t, v, _) = try decodeBlock(bytes, decoder: BlockDecoder(), verifyChecksum: false)
        #expect(t == [1000, 2000, 3000, 4000, 5000, 6000, 7000])
        #expect(v.map(\.bitPattern) == [0.5, 1.25, -3, 4, .nan, 6, 7.75].map(\.bitPattern))
    }

    @Test func errorOffsetsIncludeTheBaseOffset() throws {
        var bytes = try Self.smallBlock()
        patchLE(&bytes, UInt32(0), at: HeaderOffset.count)
        recomputeCRC(&bytes)
        var ts: [Int64] = []
        var vs: [Double] = []
        let error = #expect(throws: StorageError.self) { try BlockDecoder().decode(bytes, baseOffset: 1_000_000, appendingTo: &ts, &vs) }
        guard case let .corrupt(_, offset) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(offset == 1_000_000 + HeaderOffset.count)
    }

    @Test func outputBuffersSmallerThanTheBlockAreInvalidArgument() throws {
        let bytes = try Self.smallBlock()
        var t = [Int64](repeating: 0, count: 6)
        var v = [Double](repeating: 0, count: 7)
        let error = #expect(throws: StorageError.self) {
            try bytes.withUnsafeBytes { (raw) throws in
                try t.withUnsafeMutableBufferPointer { tp in
                    try v.withUnsafeMutableBufferPointer { vp in try BlockDecoder().decode(raw, timestamps: tp, values: vp) }
                }
            }
        }
        #expect(error.map(storageErrorKind) == "invalidArgument")
    }

    // MARK: - Column internals behind a valid checksum

    @Test func zeroRegularStrideIsCorrupt() throws {
        let (header, _, vs) = blockSections(of: try Self.smallBlock())
        #expect(Self.decodeKind(assembleBlock(header: header, timestamps: varintBytes(0), values: vs)) == "corrupt")
    }

    /// `TimestampCodec.decode` promises "strictly increasing" output, but the regular codec
    /// adds its stride with wrapping arithmetic and only checks that the column ends at the
    /// header's last timestamp. A hostile (CRC-valid) block whose stride makes the running
    /// timestamp wrap around Int64 and land back on `last` decodes without error.
    @Test func regularTimestampColumnThatWrapsAroundInt64IsCorrupt() throws {
        // 7 points 1000...7000 with stride 2^63 + 1000: timestamps alternate between 1000·k and
        // 1000·k − 2^63, and 6 · 2^63 ≡ 0 (mod 2^64) so the column ends at 7000.
        let (header, _, vs) = blockSections(of: try Self.smallBlock())
        let hostile = assembleBlock(header: header, timestamps: varintBytes((1 << 63) + 1000), values: vs)
        var returned: [Int64] = []
        let outcome = thrownKind { returned = try decodeBlock(hostile, decoder: BlockDecoder()).timestamps }
        #expect(outcome == "corrupt", "stride 2^63+1000 decoded to \(returned)")

        // A stride below 2^63 (a valid positive Int64) can wrap too: 4 points from 0 to 5 with
        // stride (2^64 + 5) / 3 = 6148914691236517207 decode as
        // [0, 6148914691236517207, -6148914691236517202, 5].
        var four = try BlockEncoder().encode(seriesID: 1, timestamps: [0, 1, 2, 5], values: [1, 2, 3, 4])
        let parts = blockSections(of: four)
        var regularHeader = parts.header
        regularHeader[HeaderOffset.timestampCodec] = TimestampCodec.regular.rawValue
        let stride: UInt64 = 6_148_914_691_236_517_207
        #expect(stride < 1 << 63 && stride &* 3 == 5)
        four = assembleBlock(header: regularHeader, timestamps: varintBytes(stride), values: parts.values)
        returned = []
        let outcome4 = thrownKind { returned = try decodeBlock(four, decoder: BlockDecoder()).timestamps }
        #expect(outcome4 == "corrupt", "stride \(stride) decoded to \(returned)")
    }

    @Test func irregularTimestampCodecsNeedTwoPointsAndANonZeroGCD() throws {
        var single = try BlockEncoder().encode(seriesID: 1, timestamps: [5], values: [1])
        for codec in [TimestampCodec.delta, .deltaOfDelta] {
            single[HeaderOffset.timestampCodec] = codec.rawValue
            recomputeCRC(&single)
            #expect(Self.decodeKind(single) == "corrupt")
        }
        var rng = SplitMix64(seed: 0x6CD)
        let ts = smallRandomGapTimestamps(count: 50, rng: &rng)
        let block = try BlockEncoder().encode(seriesID: 1, timestamps: ts, values: ts.map { _ in 1 })
        #expect(block[HeaderOffset.timestampCodec] == TimestampCodec.delta.rawValue)
        let (header, tsSection, vs) = blockSections(of: block)
        // gcd varint is the first byte(s); replace it with 0.
        let gcdLength = varintSize(1)
        #expect(tsSection[0] == 1)
        let zeroGCD = assembleBlock(header: header, timestamps: [0] + tsSection.dropFirst(gcdLength), values: vs)
        #expect(Self.decodeKind(zeroGCD) == "corrupt")
        // A huge gcd makes the gaps overflow.
        let hugeGCD = assembleBlock(header: header, timestamps: varintBytes(UInt64.max) + tsSection.dropFirst(gcdLength), values: vs)
        #expect(Self.decodeKind(hugeGCD) == "corrupt")
        let bigGCD = assembleBlock(header: header, timestamps: varintBytes(1 << 62) + tsSection.dropFirst(gcdLength), values: vs)
        #expect(Self.decodeKind(bigGCD) == "corrupt")
    }

    @Test func zeroGapInAnIrregularColumnIsCorrupt() throws {
        // Hand-built delta column for 3 points: gcd 1, raw stream of gaps [5, 0].
        var header = blockSections(of: try BlockEncoder().encode(seriesID: 1, timestamps: [0, 5, 6], values: [1, 2, 3])).header
        let values = blockSections(of: try BlockEncoder().encode(seriesID: 1, timestamps: [0, 5, 6], values: [1, 2, 3])).values
        header[HeaderOffset.timestampCodec] = TimestampCodec.delta.rawValue
        patchLE(&header, Int64(5), at: HeaderOffset.lastTimestamp)
        let column: [UInt8] = [1, ColumnStream.raw, 2, 5, 0]
        #expect(Self.decodeKind(assembleBlock(header: header, timestamps: column, values: values)) == "corrupt")
        // And the well-formed version decodes.
        patchLE(&header, Int64(6), at: HeaderOffset.lastTimestamp)
        let good: [UInt8] = [1, ColumnStream.raw, 2, 5, 1]
        let (ts, _, _) = try decodeBlock(assembleBlock(header: header, timestamps: good, values: values), decoder: BlockDecoder())
        #expect(ts == [0, 5, 6])
    }

    @Test func decimalColumnFieldsAreValidated() throws {
        let block = try BlockEncoder().encode(seriesID: 1, timestamps: [1, 2, 3, 4, 5, 6, 7],
                                              values: [0.5, 1.25, -3, 4, 5, 6, 7.75])
        #expect(block[HeaderOffset.valueCodec] == ValueCodec.decimal.rawValue)
        let (header, ts, vs) = blockSections(of: block)
        func with(_ edit: (inout [UInt8]) -> Void) -> String {
            var v = vs
            edit(&v)
            return Self.decodeKind(assembleBlock(header: header, timestamps: ts, values: v))
        }
        #expect(with { $0[0] = 19 } == "corrupt")          // exponent > 18
        #expect(with { $0[0] = 255 } == "corrupt")
        #expect(with { $0[1] = 2 } == "unknownCodec")      // transform
        let widthOffset = try vs.withUnsafeBytes { (raw) throws in
            var reader = ByteReader(raw)
            _ = try reader.readByte("exponent")
            _ = try reader.readByte("transform")
            _ = try reader.readVarint("reference")
            return reader.position
        }
        #expect(with { $0[widthOffset] = 65 } == "corrupt")  // mantissa bit width
        #expect(with { $0[widthOffset] = 0xFF } == "corrupt")
        #expect(with { $0[widthOffset + 1] = $0[widthOffset] &+ 1 } == "corrupt")  // split above the width
        // The correction packing byte is followed by its stream (or is last when 0).
        let packing = try CodecTests.decimalLayout(vs, count: 7, decoder: BlockDecoder()).packing
        let packingOffset = packing == 0 ? vs.count - 1 : nil
        if let packingOffset {
            #expect(with { $0[packingOffset] = 3 } == "unknownCodec")
            #expect(with { $0[packingOffset] = 2 } == "truncated")
            #expect(with { $0[packingOffset] = 8 } == "truncated")
        } else {
            Issue.record("fixture expected to need no corrections (packing \(packing))")
        }
    }

    @Test func byteStreamSplitBitWidthAbove64IsCorrupt() throws {
        var rng = SplitMix64(seed: 0xB55)
        let values = ValueFamily.randomBits.makeValues(count: 1000, rng: &rng)
        let block = try BlockEncoder().encode(seriesID: 1, timestamps: Array(0..<1000), values: values)
        #expect(block[HeaderOffset.valueCodec] == ValueCodec.byteStreamSplit.rawValue)
        let (header, ts, vs) = blockSections(of: block)
        for width: UInt8 in [65, 200] {
            #expect(Self.decodeKind(assembleBlock(header: header, timestamps: ts, values: [width] + vs.dropFirst())) == "corrupt")
        }
        // Fewer planes than written leaves bytes behind: corrupt, not silently accepted.
        #expect(Self.decodeKind(assembleBlock(header: header, timestamps: ts, values: [48] + vs.dropFirst())) == "corrupt")
    }

    @Test func xorWindowReuseBeforeAnyWindowIsCorrupt() throws {
        var header = blockSections(of: try BlockEncoder().encode(seriesID: 1, timestamps: [0, 1], values: [1, 2])).header
        header[HeaderOffset.valueCodec] = ValueCodec.xor.rawValue
        func xorColumn(_ build: (inout BitWriter) -> Void) -> [UInt8] {
            var bits = BitWriter()
            build(&bits)
            let payload = bits.finish()
            return [ColumnStream.raw] + varintBytes(UInt64(payload.count)) + payload
        }
        let ts = varintBytes(1)
        let reuse = xorColumn { $0.write(1.0.bitPattern, bits: 64); $0.write(0b10, bits: 2); $0.write(0, bits: 6) }
        #expect(Self.decodeKind(assembleBlock(header: header, timestamps: ts, values: reuse)) == "corrupt")
        // leading 31 + length 40 > 64
        let window = xorColumn { $0.write(1.0.bitPattern, bits: 64); $0.write(0b11, bits: 2); $0.write(31, bits: 5); $0.write(40, bits: 6) }
        #expect(Self.decodeKind(assembleBlock(header: header, timestamps: ts, values: window)) == "corrupt")
        // The bit stream ends early.
        let short = xorColumn { $0.write(1.0.bitPattern, bits: 64); $0.write(0b11, bits: 2) }
        #expect(Self.decodeKind(assembleBlock(header: header, timestamps: ts, values: short)) == "truncated")
        // Well formed: second value equal to the first.
        let equal = xorColumn { $0.write(2.0.bitPattern, bits: 64); $0.write(0, bits: 1) }
        let decoded = try decodeBlock(assembleBlock(header: header, timestamps: ts, values: equal), decoder: BlockDecoder(), verifyChecksum: true)
        #expect(decoded.values == [2, 2])
    }

    @Test func columnStreamLengthsAreBoundedByThePointCount() throws {
        // A raw XOR stream claiming far more bytes than n values can need.
        var header = blockSections(of: try BlockEncoder().encode(seriesID: 1, timestamps: [0, 1], values: [1, 2])).header
        header[HeaderOffset.valueCodec] = ValueCodec.xor.rawValue
        let huge: [UInt8] = [ColumnStream.raw] + varintBytes(1 << 40)
        #expect(Self.decodeKind(assembleBlock(header: header, timestamps: varintBytes(1), values: huge)) == "corrupt")
        // A zstd stream whose declared size disagrees with its frame.
        let encoder = try BlockEncoder()
        var w = ByteWriter()
        try ColumnStream.write([UInt8](repeating: 0, count: 64), to: &w, compressor: encoder.compressor)
        #expect(w.bytes[0] == ColumnStream.zstd)
        var frame = w.bytes
        frame[1] = 17  // declared decoded length (64 → 17): fits the limit, frame holds 64
        let xorValues = [ColumnStream.zstd] + Array(frame.dropFirst())
        #expect(Self.decodeKind(assembleBlock(header: header, timestamps: varintBytes(1), values: xorValues)) == "corrupt")
    }
}
