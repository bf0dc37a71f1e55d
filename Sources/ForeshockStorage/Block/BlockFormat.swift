/// Constants of the column-block byte format, specified in `docs/FORMAT.md`.
public enum BlockFormat {
    /// `"FSB1"`: the first four bytes of every block.
    public static let magic: [UInt8] = [0x46, 0x53, 0x42, 0x31]
    /// The newest format version this build writes and reads.
    public static let version: UInt8 = 1
    /// Fixed header size in bytes (magic through the timestamp-section length).
    public static let headerSize = 88
    /// Size of the trailing CRC-32C.
    public static let checksumSize = 4
    /// Upper bound on points per block, enforced on read so that a corrupt count cannot make
    /// the decoder allocate without bound.
    public static let maxPoints = 1 << 20
    /// Upper bound on one payload of a payload block.
    public static let maxPayloadBytes = 1 << 20
    /// Upper bound on a block's total size (header, columns, checksum).
    public static let maxBlockBytes = 64 << 20
}
