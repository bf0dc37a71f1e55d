/// Everything that can go wrong configuring or restoring a detector.
///
/// Detection never traps on outside data: non-finite values and odd timestamps are handled
/// as part of the stream (see ``SeriesDetector``); only invalid *configuration* throws.
public enum DetectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A configuration field is outside its allowed range.
    case invalidConfiguration(field: String, reason: String)
    /// Two arrays that must have the same length do not.
    case lengthMismatch(what: String, expected: Int, found: Int)

    public var description: String {
        switch self {
        case let .invalidConfiguration(field, reason): "invalid detector configuration: \(field) \(reason)"
        case let .lengthMismatch(what, expected, found): "\(what): expected \(expected) elements, found \(found)"
        }
    }
}
