import Foundation

/// Applies a partial JSON object to a `Codable` configuration: keys present in the JSON
/// replace the defaults' values, absent keys keep the defaults, and a key the configuration
/// does not have is an error that lists the valid ones (a typo must not silently do nothing).
public enum ConfigurationOverrides {
    public struct UnknownKey: Error, CustomStringConvertible, Sendable {
        public let key: String
        public let validKeys: [String]
        public let source: String
        public var description: String {
            "\(source): unknown key \"\(key)\"; valid keys: \(validKeys.joined(separator: ", "))"
        }
    }

    /// `defaults` with the keys of the JSON object `overrides` replaced.
    /// - Throws: ``UnknownKey``; `DecodingError` (naming the key path) for a value of the wrong
    ///   type; any error the configuration's own validation throws is the caller's to check.
    public static func apply<C: Codable>(_ overrides: Data, to defaults: C, source: String) throws -> C {
        let base = try JSONSerialization.jsonObject(with: JSONEncoder().encode(defaults))
        guard var merged = base as? [String: Any] else { return try JSONDecoder().decode(C.self, from: overrides) }
        guard let patch = try JSONSerialization.jsonObject(with: overrides) as? [String: Any] else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(source): expected a JSON object"))
        }
        for (key, value) in patch {
            guard merged.keys.contains(key) || isOptionalKey(key, of: defaults) else {
                throw UnknownKey(key: key, validKeys: Set(Array(merged.keys) + optionalKeys(of: defaults)).sorted(), source: source)
            }
            merged[key] = value
        }
        return try JSONDecoder().decode(C.self, from: JSONSerialization.data(withJSONObject: merged))
    }

    /// Optional properties whose default is nil do not appear in the encoded defaults; their
    /// names come from reflection.
    private static func optionalKeys<C>(of value: C) -> [String] {
        Mirror(reflecting: value).children.compactMap { child in
            guard let label = child.label, "\(type(of: child.value))".hasPrefix("Optional<") else { return nil }
            return label
        }
    }

    private static func isOptionalKey<C>(_ key: String, of value: C) -> Bool { optionalKeys(of: value).contains(key) }
}
