/// An immutable segment file: an 8-byte header (`"FSSEG"`, 0, 0, version 1) followed by column
/// blocks back to back. Blocks are self-delimiting (length in the header, CRC-32C at the end),
/// so a segment needs no separate index: opening one reads it once, checks every block, and
/// keeps the block summaries in memory. Segments are written once, atomically
/// (``FileIO/writeAtomically(_:to:directory:)``), and never modified.
enum SegmentFile {
    static let header: [UInt8] = [0x46, 0x53, 0x53, 0x45, 0x47, 0, 0, 1]
    static let fileExtension = ".seg"

    static func name(sequence: Int) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits + fileExtension
    }

    static func sequence(ofName name: String) -> Int? {
        guard name.hasSuffix(fileExtension) else { return nil }
        return Int(name.dropLast(fileExtension.count))
    }

    /// Serialises blocks into a segment's bytes; returns the bytes and each block's offset.
    static func build(_ blocks: [[UInt8]]) -> (bytes: [UInt8], offsets: [Int]) {
        var bytes = header
        var offsets: [Int] = []
        for block in blocks {
            offsets.append(bytes.count)
            bytes.append(contentsOf: block)
        }
        return (bytes, offsets)
    }

    /// Scans a segment's bytes and returns every block whose header and checksum are valid.
    ///
    /// A damaged block is reported (with `path` and its offset) and skipped: the scan resumes
    /// at the next occurrence of the block magic, so the valid blocks after it are kept.
    static func scan(_ bytes: [UInt8], path: String) -> (blocks: [(offset: Int, summary: BlockSummary)], issues: [StorageError]) {
        var blocks: [(offset: Int, summary: BlockSummary)] = []
        var issues: [StorageError] = []
        guard bytes.count >= header.count, Array(bytes[0..<6]) == Array(header[0..<6]) else {
            issues.append(StorageError.corrupt(what: "segment header", offset: 0).located(in: path))
            return ([], issues)
        }
        guard bytes[7] <= header[7] else {
            issues.append(StorageError.unsupportedVersion(what: "segment", found: Int(bytes[7]), supported: Int(header[7])).located(in: path))
            return ([], issues)
        }
        bytes.withUnsafeBytes { raw in
            var offset = header.count
            while offset < raw.count {
                let rest = UnsafeRawBufferPointer(rebasing: raw[offset...])
                do {
                    let summary = try BlockDecoder.summary(of: rest, baseOffset: offset)
                    try BlockDecoder.verifyChecksum(of: rest, summary: summary, baseOffset: offset)
                    blocks.append((offset, summary))
                    offset += summary.byteCount
                } catch {
                    issues.append(((error as? StorageError) ?? .corrupt(what: "block", offset: offset)).located(in: path))
                    offset = nextMagic(in: raw, after: offset) ?? raw.count
                }
            }
        }
        return (blocks, issues)
    }

    private static func nextMagic(in raw: UnsafeRawBufferPointer, after offset: Int) -> Int? {
        let magic = BlockFormat.magic
        var i = offset + 1
        while i + magic.count <= raw.count {
            if raw[i] == magic[0], raw[i + 1] == magic[1], raw[i + 2] == magic[2], raw[i + 3] == magic[3] { return i }
            i += 1
        }
        return nil
    }
}
