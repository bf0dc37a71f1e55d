/// A problem in JSON text: what, and the absolute byte offset where it was found.
struct JSONError: Error {
    var offset: Int
    var message: String
}

/// A fixed set of object keys, matched by ``JSONScanner/nextKey(_:)`` to small integer ids so
/// that decoders switch on an integer rather than compare strings.
struct JSONKeyTable: Sendable {
    let keys: [[UInt8]]
    let ids: [Int]

    /// `entries` maps each accepted spelling (e.g. both `traceId` and `trace_id`) to an id ≥ 0.
    init(_ entries: KeyValuePairs<String, Int>) {
        keys = entries.map { Array($0.key.utf8) }
        ids = entries.map(\.value)
    }

    /// The id of `key`, or -1.
    @inline(__always)
    func id(of key: UnsafeRawBufferPointer) -> Int {
        let count = key.count
        for i in 0..<keys.count where keys[i].count == count {
            let equal = keys[i].withUnsafeBufferPointer { candidate in
                guard let a = candidate.baseAddress, let b = key.baseAddress else { return count == 0 }
                return memcmpEqual(a, b, count)
            }
            if equal { return ids[i] }
        }
        return -1
    }
}

/// A pull scanner over JSON text (RFC 8259) in borrowed bytes, made for decoding known
/// schemas without building a document tree: the caller asks for the value it expects
/// (object, array, string, number) and skips the rest with ``skipValue()``.
///
/// Strict where it matters for safety (nesting depth limited to ``maxDepth``, every read
/// bounds-checked, invalid escapes and control characters rejected) and lenient nowhere else:
/// the text must be valid JSON. Strings without escapes are returned as slices of the input.
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    let end: Int
    private var depth = 0
    /// Unescaped string bytes, reused.
    private var scratch: [UInt8] = []

    /// The deepest nesting accepted (skipped values included).
    static let maxDepth = 64
    /// A table that matches no key (for skipping objects).
    static let noKeys = JSONKeyTable([:])

    init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>? = nil) {
        self.bytes = bytes
        self.position = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? bytes.count
    }

    // MARK: Structure

    @inline(__always)
    mutating func skipWhitespace() {
        while position < end {
            let c = bytes[position]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 } else { return }
        }
    }

    /// The next non-blank byte, not consumed; nil at the end.
    @inline(__always)
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < end ? bytes[position] : nil
    }

    /// Whether only blanks remain.
    mutating func isAtEnd() -> Bool { peek() == nil }

    func error(_ message: String, at offset: Int? = nil) -> JSONError {
        JSONError(offset: offset ?? position, message: message)
    }

    /// A description of the byte at the current position for messages.
    private func found() -> String {
        guard position < end else { return "end of input" }
        let c = bytes[position]
        if c >= 0x20 && c < 0x7F { return "'\(Character(UnicodeScalar(c)))'" }
        return "byte 0x" + String(c, radix: 16)
    }

    @inline(__always)
    private mutating func consume(_ expected: UInt8, _ what: String) throws(JSONError) {
        skipWhitespace()
        guard position < end, bytes[position] == expected else {
            throw error("expected \(what), found \(found())")
        }
        position += 1
    }

    /// Consumes `{`.
    @inline(__always)
    mutating func beginObject(_ what: String = "an object") throws(JSONError) {
        try consume(UInt8(ascii: "{"), "\(what) ('{')")
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth)") }
        pendingFirst = true
    }

    /// Whether the next member is the first of its object/array (no comma expected).
    private var pendingFirst = false

    /// Moves to the next key of the current object and consumes it with its `:`; returns the
    /// key's id in `table` (-1 for an unknown key, whose value the caller must skip), or nil
    /// at the closing `}` (consumed).
    @inline(__always)
    mutating func nextKey(_ table: JSONKeyTable) throws(JSONError) -> Int? {
        guard try advanceToMember() else { return nil }
        let id = try withString { key in table.id(of: key) }
        try consume(UInt8(ascii: ":"), "':' after a key")
        return id
    }

    /// Like ``nextKey(_:)`` for objects whose keys are data (Jaeger's `processes`, Zipkin's
    /// `tags`): returns the key itself, or nil at the closing `}`.
    mutating func nextKeyText(_ interner: inout StringInterner) throws(JSONError) -> String? {
        guard try advanceToMember() else { return nil }
        let key = try readString(&interner)
        try consume(UInt8(ascii: ":"), "':' after a key")
        return key
    }

    /// Consumes the `,` before a member, or the closing `}` (returning false).
    @inline(__always)
    private mutating func advanceToMember() throws(JSONError) -> Bool {
        skipWhitespace()
        guard position < end else { throw error("unterminated object: expected '}' or a key, found end of input") }
        if bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            pendingFirst = false
            return false
        }
        if !pendingFirst {
            guard bytes[position] == UInt8(ascii: ",") else { throw error("expected ',' or '}' after an object member, found \(found())") }
            position += 1
            skipWhitespace()
        }
        pendingFirst = false
        guard position < end, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a quoted key, found \(found())") }
        return true
    }

    /// Consumes `[`.
    @inline(__always)
    mutating func beginArray(_ what: String = "an array") throws(JSONError) {
        try consume(UInt8(ascii: "["), "\(what) ('[')")
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth)") }
        pendingFirst = true
    }

    /// Moves to the next element of the current array: true when one follows (the caller reads
    /// it), false at the closing `]` (consumed).
    @inline(__always)
    mutating func nextElement() throws(JSONError) -> Bool {
        skipWhitespace()
        guard position < end else { throw error("unterminated array: expected ']' or a value, found end of input") }
        if bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            pendingFirst = false
            return false
        }
        if !pendingFirst {
            guard bytes[position] == UInt8(ascii: ",") else { throw error("expected ',' or ']' after an array element, found \(found())") }
            position += 1
        }
        pendingFirst = false
        return true
    }

    /// Consumes `null` if it is next.
    @inline(__always)
    mutating func consumeNull() -> Bool {
        skipWhitespace()
        if end - position >= 4, bytes[position] == UInt8(ascii: "n"), bytes[position + 1] == UInt8(ascii: "u"),
           bytes[position + 2] == UInt8(ascii: "l"), bytes[position + 3] == UInt8(ascii: "l") {
            position += 4
            return true
        }
        return false
    }

    // MARK: Scalars

    /// Reads a string and passes its unescaped UTF-8 bytes to `body` (valid only during the
    /// call).
    @inline(__always)
    mutating func withString<T>(_ body: (UnsafeRawBufferPointer) throws(JSONError) -> T) throws(JSONError) -> T {
        skipWhitespace()
        guard position < end, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string, found \(found())") }
        let start = position + 1
        var p = start
        while p < end {
            let c = bytes[p]
            if c == UInt8(ascii: "\"") {
                position = p + 1
                return try body(UnsafeRawBufferPointer(rebasing: bytes[start..<p]))
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("control character 0x\(String(c, radix: 16)) in a string (must be escaped)", at: p) }
            p += 1
        }
        guard p < end else { throw error("unterminated string", at: start - 1) }
        // Escapes: unescape into the scratch buffer.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<p]))
        while true {
            guard p < end else { throw error("unterminated string", at: start - 1) }
            let c = bytes[p]
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw error("control character 0x\(String(c, radix: 16)) in a string (must be escaped)", at: p) }
            if c != UInt8(ascii: "\\") {
                scratch.append(c)
                p += 1
                continue
            }
            guard p + 1 < end else { throw error("unterminated escape", at: p) }
            let e = bytes[p + 1]
            p += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(e)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(at: p)
                p += 4
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    // A high surrogate must be followed by an escaped low surrogate.
                    if end - p >= 6, bytes[p] == UInt8(ascii: "\\"), bytes[p + 1] == UInt8(ascii: "u"),
                       let low = try? hex4(at: p + 2), low >= 0xDC00 && low < 0xE000 {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        p += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if scalar >= 0xDC00 && scalar < 0xE000 {
                    scalar = 0xFFFD
                }
                appendUTF8(scalar)
            default:
                throw error("invalid escape '\\\(Character(UnicodeScalar(e)))'", at: p - 2)
            }
        }
        position = p + 1
        let result = scratch.withUnsafeBytes { buffer in Result { () throws(JSONError) -> T in try body(buffer) } }
        return try result.get()
    }

    private func hex4(at p: Int) throws(JSONError) -> UInt32 {
        guard end - p >= 4 else { throw error("truncated \\u escape", at: p) }
        var value: UInt32 = 0
        for i in p..<(p + 4) {
            let n = HexDecoding.nibble(bytes[i])
            guard n < 16 else { throw error("invalid \\u escape", at: p) }
            value = value << 4 | UInt32(n)
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case ..<0x80: scratch.append(UInt8(scalar))
        case ..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Reads a string as a `String`, through `interner`.
    @inline(__always)
    mutating func readString(_ interner: inout StringInterner) throws(JSONError) -> String {
        try withString { bytes in interner.string(bytes) }
    }

    /// The bytes of the number token at the current position (not validated beyond its
    /// characters), consumed.
    private mutating func numberToken() throws(JSONError) -> Range<Int> {
        skipWhitespace()
        let start = position
        var p = position
        while p < end {
            let c = bytes[p]
            let isNumberByte = (c &- UInt8(ascii: "0")) < 10 || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
                || c == UInt8(ascii: ".") || c | 0x20 == UInt8(ascii: "e")
            if !isNumberByte { break }
            p += 1
        }
        guard p > start else { throw error("expected a number, found \(found())") }
        position = p
        return start..<p
    }

    /// Parses optional `-` then decimal digits as an Int64; nil if anything else or overflow.
    private static func parseInteger(_ digits: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        var negative = false
        if digits.count > 0, digits[0] == UInt8(ascii: "-") {
            negative = true
            i = 1
        }
        guard i < digits.count else { return nil }
        var magnitude: UInt64 = 0
        while i < digits.count {
            let d = digits[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            magnitude = s
            i += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// Reads a 64-bit integer written as a JSON number or, per the protobuf JSON mapping, as a
    /// decimal string. A number with a fraction or exponent is accepted when integral.
    mutating func readInt64(_ what: String) throws(JSONError) -> Int64 {
        guard let c = peek() else { throw error("expected \(what), found end of input") }
        let start = position
        if c == UInt8(ascii: "\"") {
            let parsed = try withString { text in
                Self.parseInteger(text) ?? ValueParser.parse(text.assumingMemoryBound(to: UInt8.self), allowThousandsSeparators: false).flatMap(Self.exactInteger)
            }
            guard let parsed else { throw error("\(what): expected a 64-bit integer in the string", at: start) }
            return parsed
        }
        let token = try numberToken()
        let text = UnsafeRawBufferPointer(rebasing: bytes[token])
        if let value = Self.parseInteger(text) { return value }
        guard let value = ValueParser.parse(text.assumingMemoryBound(to: UInt8.self), allowThousandsSeparators: false).flatMap(Self.exactInteger) else {
            throw error("\(what): \(InputError.quoted(text.assumingMemoryBound(to: UInt8.self))) is not a 64-bit integer", at: start)
        }
        return value
    }

    private static func exactInteger(_ value: Double) -> Int64? {
        guard value.isFinite, value.rounded(.towardZero) == value else { return nil }
        return Int64(exactly: value)
    }

    /// Reads a double written as a number or a string (`"NaN"`, `"Infinity"`, `"-Infinity"` or
    /// a decimal), per the protobuf JSON mapping.
    mutating func readDouble(_ what: String) throws(JSONError) -> Double {
        guard let c = peek() else { throw error("expected \(what), found end of input") }
        let start = position
        if c == UInt8(ascii: "\"") {
            let parsed = try withString { text in
                ValueParser.parse(text.assumingMemoryBound(to: UInt8.self), allowThousandsSeparators: false)
            }
            guard let parsed else { throw error("\(what): expected a number in the string", at: start) }
            return parsed
        }
        let token = try numberToken()
        let text = UnsafeRawBufferPointer(rebasing: bytes[token]).assumingMemoryBound(to: UInt8.self)
        guard let value = ValueParser.parse(text, allowThousandsSeparators: false) else {
            throw error("\(what): \(InputError.quoted(text)) is not a number", at: start)
        }
        return value
    }

    /// Reads `true` or `false`.
    mutating func readBool(_ what: String) throws(JSONError) -> Bool {
        skipWhitespace()
        if end - position >= 4, bytes[position] == UInt8(ascii: "t"), bytes[position + 1] == UInt8(ascii: "r"),
           bytes[position + 2] == UInt8(ascii: "u"), bytes[position + 3] == UInt8(ascii: "e") {
            position += 4
            return true
        }
        if end - position >= 5, bytes[position] == UInt8(ascii: "f"), bytes[position + 1] == UInt8(ascii: "a"),
           bytes[position + 2] == UInt8(ascii: "l"), bytes[position + 3] == UInt8(ascii: "s"), bytes[position + 4] == UInt8(ascii: "e") {
            position += 5
            return false
        }
        throw error("\(what): expected true or false, found \(found())")
    }

    /// Skips one value of any type, checking its syntax.
    mutating func skipValue() throws(JSONError) {
        guard let c = peek() else { throw error("expected a value, found end of input") }
        switch c {
        case UInt8(ascii: "{"):
            try beginObject()
            while try nextKey(Self.noKeys) != nil { try skipValue() }
        case UInt8(ascii: "["):
            try beginArray()
            while try nextElement() { try skipValue() }
        case UInt8(ascii: "\""):
            try withString { _ in }
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            _ = try readBool("value")
        case UInt8(ascii: "n"):
            guard consumeNull() else { throw error("expected a value, found \(found())") }
        default:
            guard c == UInt8(ascii: "-") || (c &- UInt8(ascii: "0")) < 10 else { throw error("expected a value, found \(found())") }
            let start = position
            let token = try numberToken()
            let text = UnsafeRawBufferPointer(rebasing: bytes[token]).assumingMemoryBound(to: UInt8.self)
            guard ValueParser.parse(text, allowThousandsSeparators: false) != nil, text.first != UInt8(ascii: "+") else {
                throw error("invalid number \(InputError.quoted(text))", at: start)
            }
        }
    }
}
