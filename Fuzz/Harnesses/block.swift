// libFuzzer target: BlockDecoder (header validation, CRC-32C, timestamp and value codecs, zstd
// column streams, payload blocks), with a re-encode round trip on every block that decodes.
#if canImport(Glibc)
import Glibc
#endif
import ForeshockStorage

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: data, count: size)
    let summary: BlockSummary
    do { summary = try BlockDecoder.summary(of: raw, baseOffset: 4096) } catch {
        if verbose { printError("block: \(error)") }
        checkStorageError(error)
        return 0
    }
    check(summary.count >= 1 && summary.count <= BlockFormat.maxPoints && summary.nanCount <= summary.count
              && summary.byteCount <= size && summary.firstTimestamp <= summary.lastTimestamp,
          "summary out of range: \(summary)")
    let decoder: BlockDecoder
    do { decoder = try BlockDecoder() } catch { propertyFailed("BlockDecoder(): \(error)") }

    // The stored CRC as given (mutated inputs almost always fail it: only the error path) ...
    var stored = Array(raw)
    if summary.valueCodec == .payload {
        do { _ = try decoder.decodePayloads(stored) } catch { checkStorageError(error) }
    } else {
        var t: [Int64] = [], v: [Double] = []
        do { try decoder.decode(stored, appendingTo: &t, &v) } catch {
            checkStorageError(error)
            check(t.isEmpty && v.isEmpty, "a failed decode left \(t.count) points appended")
        }
    }
    // ... then with the CRC fixed up, so that mutations reach the column codecs.
    let end = summary.byteCount - BlockFormat.checksumSize
    let crc = stored.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
    withUnsafeBytes(of: crc.littleEndian) { stored.replaceSubrange(end..<end + 4, with: $0) }
    if summary.valueCodec == .payload {
        fuzzPayloads(stored, summary, decoder)
    } else {
        fuzzNumbers(stored, summary, decoder)
    }
    return 0
}

func checkStorageError(_ error: any Error) {
    guard let error = error as? StorageError else { propertyFailed("a non-StorageError: \(error)") }
    consume(UInt64(error.description.utf8.count))
}

func fuzzNumbers(_ bytes: [UInt8], _ summary: BlockSummary, _ decoder: BlockDecoder) {
    let n = summary.count
    // Exactly sized buffers: ASan reports any write past the point count.
    let t = UnsafeMutableBufferPointer<Int64>.allocate(capacity: n)
    let v = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
    defer { t.deallocate(); v.deallocate() }
    do {
        let s = try bytes.withUnsafeBytes { try decoder.decode($0, baseOffset: 0, timestamps: t, values: v) }
        check(s == summary, "decode's summary differs from summary(of:)")
    } catch {
        if verbose { printError("block: \(error)") }
        checkStorageError(error)
        // Same outcome with the skip-CRC path and a warm decoder.
        do {
            _ = try bytes.withUnsafeBytes { try decoder.decode($0, verifyChecksum: false, timestamps: t, values: v) }
            propertyFailed("decode threw \(error), then succeeded without the (valid) CRC check")
        } catch {}
        return
    }
    // Documented: strictly increasing timestamps from the header's first to its last.
    check(t[0] == summary.firstTimestamp && t[n - 1] == summary.lastTimestamp,
          "timestamps \(t[0])...\(t[n - 1]), header \(summary.firstTimestamp)...\(summary.lastTimestamp)")
    var sum = 0.0, nans = 0
    for i in 0..<n {
        if i > 0 { check(t[i] > t[i - 1], "timestamps not increasing at \(i): \(t[i - 1]), \(t[i])") }
        if v[i].isNaN { nans += 1 } else { sum += v[i] }
    }
    consume(sum.bitPattern &+ UInt64(nans))

    // Decoding again with the now-warm scratch buffers gives the same points.
    var t2: [Int64] = [], v2: [Double] = []
    do { try decoder.decode(bytes, appendingTo: &t2, &v2) } catch { propertyFailed("second decode threw \(error)") }
    check(t2 == Array(t) && v2.map(\.bitPattern) == v.map(\.bitPattern), "second decode differs")

    // Round trip: the decoded points re-encode (they satisfy the encoder's contract) and decode
    // back bit for bit; the new header's statistics describe the points.
    let encoded: [UInt8]
    do {
        let encoder = try BlockEncoder()
        encoded = try encoder.encode(seriesID: summary.seriesID, timestamps: UnsafeBufferPointer(t), values: UnsafeBufferPointer(v))
    } catch { propertyFailed("re-encoding \(n) decoded points threw \(error)") }
    var t3: [Int64] = [], v3: [Double] = []
    let s3: BlockSummary
    do { s3 = try decoder.decode(encoded, appendingTo: &t3, &v3) } catch { propertyFailed("the re-encoded block does not decode: \(error)") }
    check(t3 == Array(t), "round trip changed the timestamps")
    check(v3.map(\.bitPattern) == v.map(\.bitPattern), "round trip changed the values")
    check(s3.seriesID == summary.seriesID && s3.count == n && s3.nanCount == nans
              && s3.firstTimestamp == t[0] && s3.lastTimestamp == t[n - 1] && s3.byteCount == encoded.count,
          "re-encoded header \(s3) does not describe the points")
    if verbose { printError("block: \(n) points (\(summary.timestampCodec), \(summary.valueCodec)) decoded and round-tripped") }
}

func fuzzPayloads(_ bytes: [UInt8], _ summary: BlockSummary, _ decoder: BlockDecoder) {
    let decoded: (timestamps: [Int64], payloads: [[UInt8]])
    do { decoded = try decoder.decodePayloads(bytes) } catch {
        if verbose { printError("block: \(error)") }
        checkStorageError(error)
        return
    }
    let n = summary.count
    check(decoded.timestamps.count == n && decoded.payloads.count == n,
          "\(decoded.timestamps.count) timestamps, \(decoded.payloads.count) payloads for \(n) points")
    check(decoded.timestamps.first == summary.firstTimestamp && decoded.timestamps.last == summary.lastTimestamp,
          "payload timestamps do not match the header")
    var total: UInt64 = 0
    for p in decoded.payloads {
        check(p.count <= BlockFormat.maxPayloadBytes, "a payload of \(p.count) bytes")
        total &+= UInt64(p.count) &+ UInt64(p.first ?? 0)
    }
    consume(total)
    let encoded: [UInt8]
    do {
        let encoder = try BlockEncoder()
        encoded = try decoded.timestamps.withUnsafeBufferPointer {
            try encoder.encode(seriesID: summary.seriesID, timestamps: $0, payloads: decoded.payloads)
        }
    } catch { propertyFailed("re-encoding \(n) decoded payloads threw \(error)") }
    do {
        let again = try decoder.decodePayloads(encoded)
        check(again.timestamps == decoded.timestamps && again.payloads == decoded.payloads, "payload round trip differs")
        if verbose { printError("block: \(n) payloads decoded and round-tripped") }
    } catch { propertyFailed("the re-encoded payload block does not decode: \(error)") }
}

/// Seed mode (README): writes valid blocks that between them use every timestamp and value codec.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    guard let directory = seedDirectory else { return 0 }
    var rng = SplitMix(seed: 42)
    let start: Int64 = 1_700_000_000_000
    let regular = (0..<64).map { start + Int64($0) * 15_000 }
    let jittered = (0..<64).map { start + Int64($0) * 10_000 + Int64(rng.next() % 50) * 10 }
    var irregular: [Int64] = [start]
    for _ in 1..<48 { irregular.append(irregular.last! + 1 + Int64(rng.next() % 100_000)) }
    let seeds: [(String, [Int64], [Double])] = [
        ("one-point", [start], [42.5]),
        ("regular-2dp", regular, regular.indices.map { Double(100 + $0 % 7) + 0.25 }),
        ("jitter-sine", jittered, jittered.indices.map { sin(Double($0) / 5) * 1e3 + Double(rng.next() % 1000) / 7 }),
        ("irregular-random-mantissa", irregular, irregular.indices.map { _ in Double(bitPattern: rng.next() >> 2 | 0x3FF0_0000_0000_0000) }),
        ("irregular-float32", irregular, irregular.indices.map { _ in Double(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x3FFF_FFFF)) }),
        ("random-bits", Array(0..<1000), (0..<1000).map { _ in Double(bitPattern: rng.next()) }),
        ("four-values", regular, regular.indices.map { [0.5, 99.25, 1e300, -3.75][$0 % 4] }),
        ("specials", Array(regular.prefix(12)),
         [.nan, .infinity, -.infinity, -0.0, 0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1, 2, .nan, 3, 4]),
    ]
    do {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        for (name, t, v) in seeds {
            let block = try encoder.encode(seriesID: rng.next(), timestamps: t, values: v)
            let summary = try block.withUnsafeBytes { try BlockDecoder.summary(of: $0) }
            writeFile("\(directory)/\(name)-\(summary.timestampCodec)-\(summary.valueCodec).block", block)
            var tt: [Int64] = [], vv: [Double] = []
            try decoder.decode(block, appendingTo: &tt, &vv)
        }
        let payloads: [[UInt8]] = [[], [1, 2, 3], Array(repeating: 0xAA, count: 200), Array("sketch".utf8)]
        let block = try Array(regular.prefix(4)).withUnsafeBufferPointer {
            try encoder.encode(seriesID: 7, timestamps: $0, payloads: payloads)
        }
        writeFile("\(directory)/payloads.block", block)
    } catch { propertyFailed("seed generation: \(error)") }
    _exit(0)
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
