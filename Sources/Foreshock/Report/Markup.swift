/// Text escaping for XML, SVG and HTML output (JUnit reports, charts, the HTML report).
///
/// Everything that came from an input file (series names, service and operation names, status
/// messages) goes through ``escape(_:)`` before it is written between tags or inside an
/// attribute value.
public enum Markup {
    /// `text` safe in element content and in single- or double-quoted attribute values:
    /// `&`, `<`, `>`, `"`, `'` become entity references, and the characters XML 1.0 forbids
    /// (C0 controls other than tab, line feed and carriage return, U+FFFE, U+FFFF) become
    /// U+FFFD, so the output always parses.
    ///
    /// ```swift
    /// Markup.escape("a<b & \"c\"")   // "a&lt;b &amp; &quot;c&quot;"
    /// ```
    ///
    /// - Complexity: O(text), no allocation when nothing needs escaping.
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscaping) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(isAllowedInXML(scalar) ? scalar : "\u{FFFD}")
            }
        }
        return out
    }

    @inline(__always)
    private static func needsEscaping(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "&", "<", ">", "\"", "'": true
        default: !isAllowedInXML(scalar)
        }
    }

    /// XML 1.0 `Char`: `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`
    /// (Swift scalars are never surrogates).
    @inline(__always)
    private static func isAllowedInXML(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v >= 0x20 { return v != 0xFFFE && v != 0xFFFF }
        return v == 0x9 || v == 0xA || v == 0xD
    }
}
