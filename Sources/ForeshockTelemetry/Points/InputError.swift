/// A problem in an input file (a CSV export, for instance), located precisely enough for an
/// operator to open the file and fix it.
///
/// `description` follows the compiler convention `source:line:column: message`, e.g.
/// `data.csv:17:1: cannot parse timestamp "2014-13-01 00:00:00": month 13 out of range
/// (expected 01 to 12)`. The message says what was found and what was expected. Input is
/// untrusted, so quoted input in messages is truncated to a bounded length.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The label of the input, usually its file path.
    public var source: String
    /// The 1-based line where the problem is (for a multi-line quoted field: the line where
    /// the field starts), or 0 when the problem concerns the whole input (a file that cannot
    /// be read).
    public var line: Int
    /// The 1-based field number within the record (1 is the first field), when the problem
    /// concerns one field.
    public var column: Int?
    /// What was found and what was expected, without the location prefix.
    public var message: String

    public init(source: String, line: Int, column: Int? = nil, message: String) {
        self.source = source
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        if line <= 0 {
            return "\(source): \(message)"
        }
        if let column {
            return "\(source):\(line):\(column): \(message)"
        }
        return "\(source):\(line): \(message)"
    }
}

extension InputError {
    /// The longest excerpt of input quoted in a message, in Unicode scalars.
    static let excerptLimit = 80

    /// `bytes` as a double-quoted excerpt for a message, like the `String` overload;
    /// invalid UTF-8 is replaced.
    static func quoted(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        quoted(String(decoding: bytes, as: UTF8.self))
    }

    /// `text` double-quoted for a message, with `"`, `\` and control characters escaped and
    /// anything beyond ``excerptLimit`` scalars cut and replaced by "…".
    static func quoted(_ text: String) -> String {
        var out = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            count += 1
            if count > excerptLimit {
                out += "…"
                break
            }
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
