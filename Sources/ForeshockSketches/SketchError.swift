/// Everything that can go wrong building, combining or decoding sketches.
///
/// Decoding never traps on bad bytes: it throws one of these, naming the field and the byte
/// offset where the problem starts, so a damaged record can be found.
public enum SketchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes end before a field that should be there.
    case truncated(what: String, offset: Int)
    /// A field has a value the format does not allow (unknown mapping, absurd count, …).
    case corrupt(what: String, offset: Int)
    /// The bytes were written by a newer format version than this build reads.
    case unsupportedVersion(what: String, found: Int, supported: Int)
    /// Two sketches (or window sets) with different index mappings or window lengths cannot be
    /// merged exactly.
    case incompatible(String)
    /// The caller passed a value the operation cannot take (e.g. an exponential histogram whose
    /// bucket counts do not add up to its count).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .truncated(what, offset): "truncated \(what) at byte \(offset)"
        case let .corrupt(what, offset): "corrupt \(what) at byte \(offset)"
        case let .unsupportedVersion(what, found, supported):
            "\(what) has format version \(found); this build reads up to \(supported)"
        case let .incompatible(message): "incompatible sketches: \(message)"
        case let .invalidArgument(message): "invalid argument: \(message)"
        }
    }
}
