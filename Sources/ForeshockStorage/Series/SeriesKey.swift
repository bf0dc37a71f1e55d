/// One label of a series: a name and a value.
public struct Label: Hashable, Sendable, Codable, Comparable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public static func < (a: Label, b: Label) -> Bool { (a.name, a.value) < (b.name, b.value) }
}

/// The identity of a series: a metric name plus a set of labels, kept sorted by label name so
/// that the same set always compares, hashes and encodes the same way.
///
/// Limits (checked by ``init(name:labels:)``): at most ``maxLabels`` labels, names and values of
/// at most ``maxTextBytes`` UTF-8 bytes, label names non-empty and unique. They bound the memory
/// a hostile label set can take.
public struct SeriesKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public static let maxLabels = 64
    public static let maxTextBytes = 1024

    public let name: String
    /// Sorted by name; names are unique.
    public let labels: [Label]

    /// - Throws: ``StorageError/invalidArgument(_:)`` when a limit is exceeded or a label name
    ///   is empty or repeated.
    public init(name: String, labels: [Label] = []) throws {
        guard !name.isEmpty, name.utf8.count <= Self.maxTextBytes else {
            throw StorageError.invalidArgument("series name must be 1...\(Self.maxTextBytes) bytes")
        }
        guard labels.count <= Self.maxLabels else {
            throw StorageError.invalidArgument("\(labels.count) labels (limit \(Self.maxLabels)) on series \(name)")
        }
        let sorted = labels.sorted()
        for (i, label) in sorted.enumerated() {
            guard !label.name.isEmpty, label.name.utf8.count <= Self.maxTextBytes,
                  label.value.utf8.count <= Self.maxTextBytes else {
                throw StorageError.invalidArgument("label \(label.name.prefix(64)) on \(name): name must be 1...\(Self.maxTextBytes) bytes, value at most \(Self.maxTextBytes)")
            }
            if i > 0, sorted[i - 1].name == label.name {
                throw StorageError.invalidArgument("label \(label.name) repeated on series \(name)")
            }
        }
        self.name = name
        self.labels = sorted
    }

    /// Convenience from a dictionary (which cannot repeat names).
    public init(name: String, labels: [String: String]) throws {
        try self.init(name: name, labels: labels.map { Label($0.key, $0.value) })
    }

    /// The value of label `name`, if present. `"__name__"` answers the metric name.
    public subscript(label: String) -> String? {
        if label == "__name__" { return name }
        return labels.first { $0.name == label }?.value
    }

    /// Prometheus-style text: `name{a="1",b="2"}`.
    public var description: String {
        if labels.isEmpty { return name }
        return name + "{" + labels.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }

    /// Canonical binary form: varint-prefixed UTF-8 name, label count, then name/value pairs.
    func encode(to writer: inout ByteWriter) {
        writeText(name, to: &writer)
        writer.writeVarint(UInt64(labels.count))
        for label in labels {
            writeText(label.name, to: &writer)
            writeText(label.value, to: &writer)
        }
    }

    static func decode(_ reader: inout ByteReader) throws -> SeriesKey {
        let name = try readText(&reader, "series name")
        let count = try reader.readCount("label count", limit: maxLabels)
        var labels: [Label] = []
        labels.reserveCapacity(count)
        for _ in 0..<count {
            labels.append(Label(try readText(&reader, "label name"), try readText(&reader, "label value")))
        }
        return try SeriesKey(name: name, labels: labels)
    }
}

private func writeText(_ text: String, to writer: inout ByteWriter) {
    writer.writeVarint(UInt64(text.utf8.count))
    writer.write(contentsOf: text.utf8)
}

private func readText(_ reader: inout ByteReader, _ what: String) throws -> String {
    let count = try reader.readCount("\(what) length", limit: SeriesKey.maxTextBytes)
    let bytes = try reader.readBytes(count, what)
    return String(decoding: bytes, as: UTF8.self)
}

/// A condition on one label, for selecting series (Prometheus' matcher semantics: a label that
/// is absent has the value `""`).
public enum LabelMatcher: Sendable, Hashable {
    case equal(String, String)
    case notEqual(String, String)
    /// The value starts with the prefix.
    case prefix(String, String)

    public func matches(_ key: SeriesKey) -> Bool {
        switch self {
        case let .equal(name, value): (key[name] ?? "") == value
        case let .notEqual(name, value): (key[name] ?? "") != value
        case let .prefix(name, value): (key[name] ?? "").hasPrefix(value)
        }
    }

    /// Parses `name=value`, `name!=value` or `name=~prefix*`; `__name__` selects the metric name.
    public init?(parsing text: String) {
        if let range = text.firstRange(of: "!=") {
            self = .notEqual(String(text[..<range.lowerBound]), String(text[range.upperBound...]))
        } else if let range = text.firstRange(of: "="), range.lowerBound != text.startIndex {
            let name = String(text[..<range.lowerBound])
            let value = String(text[range.upperBound...])
            if value.hasSuffix("*") {
                self = .prefix(name, String(value.dropLast()))
            } else {
                self = .equal(name, value)
            }
        } else {
            return nil
        }
    }
}
