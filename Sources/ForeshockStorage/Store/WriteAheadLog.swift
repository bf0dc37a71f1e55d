/// The write-ahead log that makes the unsealed head of every series durable.
///
/// File `wal.log`: an 8-byte header (`"FSWAL"`, 0, 0, version 1) then records, each framed as
/// `u32 payloadLength · u32 crc32c(payload) · payload`. Payload kinds:
/// - `1` series definition: `varint id · SeriesKey` · optional `u8 kind` (0 numeric, 1 payload;
///   absent means numeric);
/// - `2` points: `varint id · varint n · n × (i64 timestamp · u64 value bits)`;
/// - `3` payload points: `varint id · varint n · n × (i64 timestamp · varint length · bytes)`.
///
/// Replay applies records in order with the store's normal append policy, so replaying a
/// record twice is harmless (same timestamps, last write wins) and points already sealed into
/// blocks are skipped. A record cut short at the end of the file (a torn write that was never
/// acknowledged) ends the replay and is truncated away; a record with a bad checksum but a
/// plausible length is reported and skipped.
enum WriteAheadLog {
    static let header: [UInt8] = [0x46, 0x53, 0x57, 0x41, 0x4C, 0, 0, 1]
    static let seriesRecord: UInt8 = 1
    static let pointsRecord: UInt8 = 2
    static let payloadsRecord: UInt8 = 3
    /// Records larger than this are treated as corrupt lengths.
    static let maxRecordBytes = 64 << 20

    enum Record {
        case series(id: UInt64, key: SeriesKey, kind: SeriesKind)
        case points(id: UInt64, timestamps: [Int64], values: [Double])
        case payloads(id: UInt64, timestamps: [Int64], payloads: [[UInt8]])
    }

    static func frame(_ payload: [UInt8], into out: inout [UInt8]) {
        var writer = ByteWriter(capacity: payload.count + 8)
        writer.write(littleEndian: UInt32(payload.count))
        writer.write(littleEndian: payload.withUnsafeBytes { CRC32C.checksum($0) })
        out.append(contentsOf: writer.bytes)
        out.append(contentsOf: payload)
    }

    static func appendSeries(id: UInt64, key: SeriesKey, kind: SeriesKind, to out: inout [UInt8]) {
        var writer = ByteWriter()
        writer.write(seriesRecord)
        writer.writeVarint(id)
        key.encode(to: &writer)
        if kind != .numeric { writer.write(kind.rawValue) }
        frame(writer.bytes, into: &out)
    }

    static func appendPayloads(id: UInt64, timestamps: [Int64], payloads: [[UInt8]], to out: inout [UInt8]) {
        var writer = ByteWriter(capacity: payloads.reduce(16) { $0 + $1.count + 12 })
        writer.write(payloadsRecord)
        writer.writeVarint(id)
        writer.writeVarint(UInt64(timestamps.count))
        for i in timestamps.indices {
            writer.write(littleEndian: timestamps[i])
            writer.writeVarint(UInt64(payloads[i].count))
            writer.write(contentsOf: payloads[i])
        }
        frame(writer.bytes, into: &out)
    }

    static func appendPoints(id: UInt64, timestamps: UnsafeBufferPointer<Int64>, values: UnsafeBufferPointer<Double>, to out: inout [UInt8]) {
        var writer = ByteWriter(capacity: 16 * timestamps.count + 16)
        writer.write(pointsRecord)
        writer.writeVarint(id)
        writer.writeVarint(UInt64(timestamps.count))
        for i in 0..<timestamps.count {
            writer.write(littleEndian: timestamps[i])
            writer.write(littleEndian: values[i].bitPattern)
        }
        frame(writer.bytes, into: &out)
    }

    /// Parses a whole log file.
    /// - Returns: the records, the byte length of the valid prefix (where appending may
    ///   resume), and the problems found (located in `path`).
    static func parse(_ bytes: [UInt8], path: String) -> (records: [Record], validLength: Int, issues: [StorageError]) {
        var records: [Record] = []
        var issues: [StorageError] = []
        guard bytes.count >= header.count else {
            if !bytes.isEmpty { issues.append(StorageError.truncated(what: "write-ahead log header", offset: 0).located(in: path)) }
            return ([], 0, issues)
        }
        guard Array(bytes[0..<6]) == Array(header[0..<6]) else {
            issues.append(StorageError.corrupt(what: "write-ahead log magic", offset: 0).located(in: path))
            return ([], 0, issues)
        }
        guard bytes[7] <= header[7] else {
            issues.append(StorageError.unsupportedVersion(what: "write-ahead log", found: Int(bytes[7]), supported: Int(header[7])).located(in: path))
            return ([], 0, issues)
        }
        var offset = header.count
        var validLength = offset
        bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                guard raw.count - offset >= 8 else {
                    issues.append(StorageError.truncated(what: "write-ahead log record header", offset: offset).located(in: path))
                    return
                }
                let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                let stored = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
                guard length <= maxRecordBytes else {
                    issues.append(StorageError.corrupt(what: "write-ahead log record length \(length)", offset: offset).located(in: path))
                    return
                }
                guard raw.count - offset - 8 >= length else {
                    issues.append(StorageError.truncated(what: "write-ahead log record of \(length) bytes", offset: offset).located(in: path))
                    return
                }
                let payload = UnsafeRawBufferPointer(rebasing: raw[(offset + 8)..<(offset + 8 + length)])
                let computed = CRC32C.checksum(payload)
                if computed != stored {
                    issues.append(StorageError.checksumMismatch(what: "write-ahead log record", offset: offset, stored: stored, computed: computed).located(in: path))
                } else {
                    do {
                        records.append(try decode(payload, baseOffset: offset + 8))
                    } catch let error as StorageError {
                        issues.append(error.located(in: path))
                    } catch {
                        issues.append(StorageError.corrupt(what: "write-ahead log record (\(error))", offset: offset).located(in: path))
                    }
                }
                offset += 8 + length
                validLength = offset
            }
        }
        return (records, validLength, issues)
    }

    private static func decode(_ payload: UnsafeRawBufferPointer, baseOffset: Int) throws -> Record {
        var reader = ByteReader(payload, baseOffset: baseOffset)
        let kind = try reader.readByte("record kind")
        switch kind {
        case seriesRecord:
            let id = try reader.readVarint("series id")
            let key = try SeriesKey.decode(&reader)
            var kind = SeriesKind.numeric
            if reader.remaining > 0 {
                let raw = try reader.readByte("series kind")
                guard let decoded = SeriesKind(rawValue: raw) else { throw StorageError.unknownCodec(what: "series kind", id: Int(raw)) }
                kind = decoded
            }
            return .series(id: id, key: key, kind: kind)
        case pointsRecord:
            let id = try reader.readVarint("series id")
            let n = try reader.readCount("point count", limit: reader.remaining / 16)
            var timestamps = [Int64](repeating: 0, count: n)
            var values = [Double](repeating: 0, count: n)
            for i in 0..<n {
                timestamps[i] = try reader.read(Int64.self, "timestamp")
                values[i] = Double(bitPattern: try reader.read(UInt64.self, "value"))
            }
            return .points(id: id, timestamps: timestamps, values: values)
        case payloadsRecord:
            let id = try reader.readVarint("series id")
            let n = try reader.readCount("payload count", limit: reader.remaining / 9)
            var timestamps: [Int64] = [], payloads: [[UInt8]] = []
            timestamps.reserveCapacity(n)
            payloads.reserveCapacity(n)
            for _ in 0..<n {
                timestamps.append(try reader.read(Int64.self, "timestamp"))
                let length = try reader.readCount("payload length", limit: min(reader.remaining, BlockFormat.maxPayloadBytes))
                payloads.append(Array(try reader.readBytes(length, "payload")))
            }
            return .payloads(id: id, timestamps: timestamps, payloads: payloads)
        default:
            throw StorageError.unknownCodec(what: "write-ahead log record", id: Int(kind))
        }
    }
}
