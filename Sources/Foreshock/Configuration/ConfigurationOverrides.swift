import Foundation

/// Applies a partial JSON object to a `Codable` configuration: keys present in the JSON
/// replace the defaults' values (nested objects merge key by key), absent keys keep the
/// defaults, and a key the configuration does not have is an error naming its path and the
/// valid keys at that level (a typo must not silently do nothing).
public enum ConfigurationOverrides {
    public struct UnknownKey: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let validKeys: [String]
        public let source: String
        public var description: String {
            "\(source): unknown key \"\(path)\"; valid keys here: \(validKeys.joined(separator: ", "))"
        }
    }

    /// `defaults` with the keys of the JSON object `overrides` replaced.
    /// - Throws: ``UnknownKey``; `DecodingError` (naming the key path) for a value of the wrong
    ///   type. Validation of the values is the configuration's own.
    public static func apply<C: Codable>(_ overrides: Data, to defaults: C, source: String) throws -> C {
        let patch: Any
        do { patch = try JSONSerialization.jsonObject(with: overrides) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(source): not valid JSON (\(error.localizedDescription))"))
        }
        return try apply(object: patch, to: defaults, source: source)
    }

    /// The same from an already parsed object (e.g. YAML read by Yams).
    public static func apply<C: Codable>(object patch: Any, to defaults: C, source: String) throws -> C {
        let base = try JSONSerialization.jsonObject(with: JSONEncoder().encode(defaults), options: .fragmentsAllowed)
        let merged = try merge(patch, into: base, reflecting: defaults, path: "", source: source)
        return try JSONDecoder().decode(C.self, from: JSONSerialization.data(withJSONObject: merged, options: .fragmentsAllowed))
    }

    private static func merge(_ patch: Any, into base: Any, reflecting value: Any?, path: String, source: String) throws -> Any {
        guard var object = base as? [String: Any], let changes = patch as? [String: Any] else { return patch }
        let children = value.map { Mirror(reflecting: $0).children } ?? Mirror(reflecting: ()).children
        // Optional properties that are nil do not appear when the defaults are encoded.
        let optionalKeys = children.compactMap { child -> String? in
            guard let label = child.label, "\(type(of: child.value))".hasPrefix("Optional<") else { return nil }
            return label
        }
        for (key, newValue) in changes {
            let keyPath = path.isEmpty ? key : path + "." + key
            if let existing = object[key] {
                let child = children.first { $0.label == key }?.value
                object[key] = try merge(newValue, into: existing, reflecting: child, path: keyPath, source: source)
            } else if optionalKeys.contains(key) {
                object[key] = newValue
            } else {
                throw UnknownKey(path: keyPath, validKeys: Set(Array(object.keys) + optionalKeys).sorted(), source: source)
            }
        }
        return object
    }
}
