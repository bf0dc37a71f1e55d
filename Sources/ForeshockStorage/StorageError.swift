/// Everything that can go wrong reading or writing Foreshock's on-disk formats.
///
/// Every case says *what* is wrong and *where* (a file path and/or a byte offset), so an
/// operator can find the damaged file. Decoding never traps on bad bytes: it throws one of
/// these instead.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes end before a field that should be there.
    case truncated(what: String, offset: Int)
    /// A field has a value the format does not allow (bad magic, absurd count, …).
    case corrupt(what: String, offset: Int)
    /// The stored checksum does not match the bytes.
    case checksumMismatch(what: String, offset: Int, stored: UInt32, computed: UInt32)
    /// The bytes were written by a newer format version than this build reads.
    case unsupportedVersion(what: String, found: Int, supported: Int)
    /// A codec id this build does not know.
    case unknownCodec(what: String, id: Int)
    /// zstd rejected a frame.
    case zstd(ZstdError)
    /// A file-system call failed.
    case io(path: String, operation: String, errno: Int32)
    /// The caller passed values the operation cannot take (e.g. unsorted timestamps to the
    /// block encoder).
    case invalidArgument(String)
    /// An error in a file, with the file's path attached.
    indirect case inFile(path: String, StorageError)

    public var description: String {
        switch self {
        case let .truncated(what, offset): "truncated \(what) at byte \(offset)"
        case let .corrupt(what, offset): "corrupt \(what) at byte \(offset)"
        case let .checksumMismatch(what, offset, stored, computed):
            "checksum mismatch in \(what) at byte \(offset): stored \(hex(stored)), computed \(hex(computed))"
        case let .unsupportedVersion(what, found, supported):
            "\(what) has format version \(found); this build reads up to \(supported)"
        case let .unknownCodec(what, id): "unknown \(what) codec id \(id)"
        case let .zstd(error): error.description
        case let .io(path, operation, code): "\(operation) \(path): errno \(code)"
        case let .invalidArgument(message): "invalid argument: \(message)"
        case let .inFile(path, error): "\(path): \(error.description)"
        }
    }

    /// The same error located in `path` (unless it already names a file).
    func located(in path: String) -> StorageError {
        if case .inFile = self { return self }
        if case .io = self { return self }
        return .inFile(path: path, self)
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
