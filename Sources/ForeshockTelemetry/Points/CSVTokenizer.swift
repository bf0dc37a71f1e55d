/// One field of a CSV record: a byte range of the input, already stripped of surrounding
/// blanks and of the enclosing quotes of a quoted field.
struct CSVField {
    /// First byte of the content.
    var start: Int
    /// One past the last byte of the content.
    var end: Int
    /// The 1-based line where the field starts.
    var line: Int
    /// Whether the field was enclosed in double quotes.
    var quoted: Bool
    /// Whether the content contains `""` escapes still to be collapsed (see ``CSVTokenizer/text(of:)``).
    var hasEscapedQuotes: Bool
}

/// Splits UTF-8 CSV bytes into records and fields (RFC 4180 with a chosen delimiter).
///
/// - Records end at `\n`, `\r\n` or a lone `\r`; the last record may lack a terminator.
/// - A field starting with `"` (after optional blanks) is quoted: it ends at the next `"` not
///   doubled; `""` inside stands for one `"`; delimiters and line breaks inside are content.
///   Only blanks may follow the closing quote before the delimiter or end of line.
/// - Unquoted fields run to the next delimiter or line break; spaces (and tabs, unless the
///   delimiter is a tab) around fields are dropped.
///
/// The tokenizer only records byte ranges; it never copies field content.
struct CSVTokenizer {
    let bytes: UnsafeBufferPointer<UInt8>
    let delimiter: UInt8
    let source: String
    /// The next byte to read.
    private(set) var position: Int
    /// The 1-based line number of `position`.
    private(set) var line: Int

    init(bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8, source: String, position: Int, line: Int) {
        self.bytes = bytes
        self.delimiter = delimiter
        self.source = source
        self.position = position
        self.line = line
    }

    private static let quote = UInt8(ascii: "\"")
    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")

    @inline(__always)
    private func isBlank(_ byte: UInt8) -> Bool {
        byte == Self.space || (byte == Self.tab && delimiter != Self.tab)
    }

    /// Reads the next record into `fields` (replacing its contents).
    ///
    /// - Returns: false at the end of the input (then `fields` is empty). A blank line is
    ///   returned as one empty unquoted field.
    mutating func nextRecord(into fields: inout [CSVField]) throws(InputError) -> Bool {
        fields.removeAll(keepingCapacity: true)
        let n = bytes.count
        if position >= n { return false }
        var p = position
        while true {
            while p < n, isBlank(bytes[p]) { p += 1 }
            let fieldLine = line
            var end: Int   // where the byte after the field (delimiter, line break or EOF) is
            if p < n, bytes[p] == Self.quote {
                let contentStart = p + 1
                var q = contentStart
                var escaped = false
                var closed = false
                while q < n {
                    let byte = bytes[q]
                    if byte == Self.quote {
                        if q + 1 < n, bytes[q + 1] == Self.quote {
                            escaped = true
                            q += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    if byte == Self.lf {
                        line += 1
                    } else if byte == Self.cr, !(q + 1 < n && bytes[q + 1] == Self.lf) {
                        line += 1
                    }
                    q += 1
                }
                guard closed else {
                    throw InputError(
                        source: source, line: fieldLine, column: fields.count + 1,
                        message: "unterminated quoted field: expected a closing \" before the end of the input")
                }
                fields.append(CSVField(start: contentStart, end: q, line: fieldLine, quoted: true, hasEscapedQuotes: escaped))
                end = q + 1
                while end < n, isBlank(bytes[end]) { end += 1 }
                if end < n {
                    let byte = bytes[end]
                    if byte != delimiter, byte != Self.lf, byte != Self.cr {
                        throw InputError(
                            source: source, line: line, column: fields.count,
                            message: "unexpected \(InputError.quoted(String(decoding: CollectionOfOne(byte), as: UTF8.self))) after a closing quote: expected the delimiter or the end of the line")
                    }
                }
            } else {
                var q = p
                while q < n {
                    let byte = bytes[q]
                    if byte == delimiter || byte == Self.lf || byte == Self.cr { break }
                    q += 1
                }
                var contentEnd = q
                while contentEnd > p, isBlank(bytes[contentEnd - 1]) { contentEnd -= 1 }
                fields.append(CSVField(start: p, end: contentEnd, line: fieldLine, quoted: false, hasEscapedQuotes: false))
                end = q
            }
            if end >= n {
                position = n
                return true
            }
            let byte = bytes[end]
            if byte == delimiter {
                p = end + 1
                continue
            }
            // A line break.
            position = byte == Self.cr && end + 1 < n && bytes[end + 1] == Self.lf ? end + 2 : end + 1
            line += 1
            return true
        }
    }

    /// The content bytes of `field` (with `""` escapes not collapsed).
    @inline(__always)
    func raw(_ field: CSVField) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[field.start..<field.end])
    }

    /// The content of `field` as text, with `""` collapsed to `"` (invalid UTF-8 replaced).
    func text(of field: CSVField) -> String {
        let content = raw(field)
        guard field.hasEscapedQuotes else { return String(decoding: content, as: UTF8.self) }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(content.count)
        var i = 0
        while i < content.count {
            unescaped.append(content[i])
            i += content[i] == Self.quote ? 2 : 1
        }
        return String(decoding: unescaped, as: UTF8.self)
    }
}
