/// What may leave a span and be stored: which attributes may become metric dimensions or be
/// kept with exemplars (an allow-list), and which value patterns are masked first.
///
/// Masking runs on every attribute value, dimension value and status message before it is
/// stored. The matchers are hand-written single passes over the UTF-8 bytes (no regular
/// expressions); a value with none of the trigger characters (`@`, a digit, `b`/`B`, `eyJ`) is
/// returned untouched without allocating.
///
/// - E-mail: `local@domain.tld` (local part of `A-Z a-z 0-9 . _ % + -`, a domain with a dot and
///   a top-level label of at least two letters).
/// - Bearer tokens: `Bearer <token>` (any case) with a token of at least 8 characters of
///   `A-Z a-z 0-9 - . _ ~ + / =`; the token is masked, the word kept. JWTs (`eyJ…` with two
///   dots) are masked wherever they appear.
/// - Card numbers: 13 to 19 digits, optionally grouped by single spaces or dashes, that pass
///   the Luhn check (so order ids and timestamps of that length are mostly left alone).
public struct RedactionPolicy: Sendable {
    /// Patterns to mask.
    public struct Patterns: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let email = Patterns(rawValue: 1)
        public static let bearerToken = Patterns(rawValue: 2)
        public static let cardNumber = Patterns(rawValue: 4)
        public static let all: Patterns = [.email, .bearerToken, .cardNumber]
    }

    /// Attribute keys that may become dimensions or be kept with exemplars. Anything else is
    /// dropped from exemplars and ignored as a dimension.
    public var allowedAttributes: Set<String>
    public var patterns: Patterns
    /// What replaces a masked match.
    public var mask: String

    /// The default allow-list: the default dimensions plus common low-risk semantic-convention
    /// attributes (methods, routes, status codes, models, token counts, peers).
    public static let defaultAllowedAttributes: Set<String> = [
        "service.name", "service.version", "deployment.environment.name", "deployment.environment",
        "code.function.name", "code.function", "code.namespace", "code.origin",
        "gen_ai.request.model", "gen_ai.response.model", "gen_ai.system", "gen_ai.provider.name", "gen_ai.operation.name",
        "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
        "http.request.method", "http.route", "http.response.status_code", "http.status_code", "url.scheme",
        "rpc.system", "rpc.service", "rpc.method", "rpc.grpc.status_code",
        "db.system", "db.system.name", "db.operation.name", "messaging.system", "messaging.operation.type",
        "server.address", "peer.service", "error.type",
    ]

    public init(allowedAttributes: Set<String> = RedactionPolicy.defaultAllowedAttributes,
                patterns: Patterns = .all, mask: String = "[REDACTED]") {
        self.allowedAttributes = allowedAttributes
        self.patterns = patterns
        self.mask = mask
    }

    /// Whether attribute `key` may be kept.
    @inlinable public func allows(_ key: String) -> Bool { allowedAttributes.contains(key) }

    /// `text` with every configured pattern masked.
    ///
    /// - Complexity: O(bytes); allocates only when something is masked.
    public func redact(_ text: String) -> String {
        if patterns.isEmpty || text.isEmpty { return text }
        var text = text
        return text.withUTF8 { bytes in
            guard let ranges = Self.matches(bytes, patterns) else { return String(decoding: bytes, as: UTF8.self) }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var p = 0
            for range in ranges {
                out.append(contentsOf: bytes[p..<range.lowerBound])
                out.append(contentsOf: mask.utf8)
                p = range.upperBound
            }
            out.append(contentsOf: bytes[p...])
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The attribute value with strings masked (recursively in arrays and lists).
    public func redact(_ value: AttributeValue) -> AttributeValue {
        switch value {
        case let .string(text): .string(redact(text))
        case let .array(items): .array(items.map { redact($0) })
        case let .keyValueList(items): .keyValueList(items.map { SpanAttribute($0.key, redact($0.value)) })
        default: value
        }
    }

    /// The allowed attributes of `attributes`, masked.
    public func filter(_ attributes: [SpanAttribute]) -> [SpanAttribute] {
        attributes.compactMap { allows($0.key) ? SpanAttribute($0.key, redact($0.value)) : nil }
    }

    // MARK: Matchers

    /// The sorted, disjoint byte ranges to mask, or nil when there are none.
    static func matches(_ b: UnsafeBufferPointer<UInt8>, _ patterns: Patterns) -> [Range<Int>]? {
        var found: [Range<Int>]?
        func add(_ r: Range<Int>) {
            if found == nil { found = [] }
            found?.append(r)
        }
        let n = b.count
        var i = 0
        while i < n {
            let c = b[i]
            if patterns.contains(.email), c == UInt8(ascii: "@"), let r = email(b, at: i) {
                add(r)
                i = r.upperBound
                continue
            }
            if patterns.contains(.bearerToken) {
                if c | 0x20 == UInt8(ascii: "b"), let r = bearer(b, at: i) {
                    add(r)
                    i = r.upperBound
                        continue
                }
                if c == UInt8(ascii: "e"), let r = jwt(b, at: i) {
                    add(r)
                    i = r.upperBound
                        continue
                }
            }
            if patterns.contains(.cardNumber), isDigit(c), i == 0 || !isDigit(b[i - 1]) {
                if let r = card(b, at: i) {
                    add(r)
                    i = r.upperBound
                    continue
                }
            }
            i += 1
        }
        guard var ranges = found else { return nil }
        ranges.sort { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for r in ranges {
            if let last = merged.last, r.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        return merged
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }
    @inline(__always) static func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20) &- UInt8(ascii: "a") < 26 }

    /// An e-mail address around the `@` at `at`.
    static func email(_ b: UnsafeBufferPointer<UInt8>, at: Int) -> Range<Int>? {
        var start = at
        while start > 0 {
            let c = b[start - 1]
            if isAlnum(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "%")
                || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { start -= 1 } else { break }
        }
        guard start < at else { return nil }
        var end = at + 1
        var lastDot = -1
        while end < b.count {
            let c = b[end]
            if isAlnum(c) || c == UInt8(ascii: "-") {
                end += 1
            } else if c == UInt8(ascii: "."), end > at + 1, end + 1 < b.count, isAlnum(b[end + 1]) {
                lastDot = end
                end += 1
            } else {
                break
            }
        }
        guard lastDot > at + 1, end - lastDot - 1 >= 2 else { return nil }
        for k in (lastDot + 1)..<end where isDigit(b[k]) { return nil }
        return start..<end
    }

    /// `Bearer <token>` at `at` (the range covers the token only).
    static func bearer(_ b: UnsafeBufferPointer<UInt8>, at: Int) -> Range<Int>? {
        let word: StaticString = "bearer"
        guard b.count - at > 7, at == 0 || !isAlnum(b[at - 1]) else { return nil }
        for k in 0..<6 where b[at + k] | 0x20 != word.utf8Start[k] { return nil }
        var p = at + 6
        guard b[p] == UInt8(ascii: " ") || b[p] == UInt8(ascii: "\t") else { return nil }
        while p < b.count, b[p] == UInt8(ascii: " ") || b[p] == UInt8(ascii: "\t") { p += 1 }
        let tokenStart = p
        while p < b.count, isTokenByte(b[p]) { p += 1 }
        return p - tokenStart >= 8 ? tokenStart..<p : nil
    }

    @inline(__always) static func isTokenByte(_ c: UInt8) -> Bool {
        isAlnum(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "~")
            || c == UInt8(ascii: "+") || c == UInt8(ascii: "/") || c == UInt8(ascii: "=")
    }

    /// A JWT (`eyJ` + base64url, two dots) at `at`.
    static func jwt(_ b: UnsafeBufferPointer<UInt8>, at: Int) -> Range<Int>? {
        guard b.count - at >= 20, b[at + 1] == UInt8(ascii: "y"), b[at + 2] == UInt8(ascii: "J"),
              at == 0 || !isTokenByte(b[at - 1]) else { return nil }
        var p = at
        var dots = 0
        while p < b.count {
            let c = b[p]
            if c == UInt8(ascii: ".") { dots += 1 } else if !(isAlnum(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: "=")) { break }
            p += 1
        }
        return dots >= 2 && p - at >= 20 ? at..<p : nil
    }

    /// A Luhn-valid card number starting at the digit `at`.
    static func card(_ b: UnsafeBufferPointer<UInt8>, at: Int) -> Range<Int>? {
        var count = 0
        var p = at
        while p < b.count {
            let c = b[p]
            if isDigit(c) {
                count += 1
                p += 1
                if count > 19 { return nil }
            } else if c == UInt8(ascii: " ") || c == UInt8(ascii: "-"), p + 1 < b.count, isDigit(b[p + 1]), p > at, isDigit(b[p - 1]) {
                p += 1
            } else {
                break
            }
        }
        guard count >= 13 else { return nil }
        // Luhn, from the rightmost digit.
        var sum = 0
        var k = 0
        var q = p - 1
        while q >= at {
            let c = b[q]
            if isDigit(c) {
                var v = Int(c - UInt8(ascii: "0"))
                if k % 2 == 1 {
                    v *= 2
                    if v > 9 { v -= 9 }
                }
                sum += v
                k += 1
            }
            q -= 1
        }
        return sum % 10 == 0 ? at..<p : nil
    }
}
