import Foundation

/// What a bearer token may do.
enum Scope: String, Sendable, CaseIterable {
    /// `POST /v1/traces`.
    case ingest
    /// The query APIs and the dashboard.
    case read
}

/// Bearer tokens and their scopes, from a file (`TOKEN scope[,scope]` per line, `#` comments)
/// or the environment (`FORESHOCK_TOKENS="TOKEN:scope,scope;TOKEN2:scope"`).
///
/// Tokens are compared in constant time (every byte of every configured token is examined
/// whatever the input), so response timing does not reveal how much of a token matched.
struct AccessTokens: Sendable {
    private let entries: [(token: [UInt8], scopes: Set<Scope>)]

    init(entries: [(String, Set<Scope>)]) {
        self.entries = entries.map { (Array($0.0.utf8), $0.1) }
    }

    var isEmpty: Bool { entries.isEmpty }

    static func load(file: String?, environment: [String: String]) throws -> AccessTokens {
        var entries: [(String, Set<Scope>)] = []
        if let file {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
                let parts = trimmed.split(separator: " ", omittingEmptySubsequences: true)
                guard parts.count == 2 else {
                    throw ServerError("\(file):\(number + 1): expected `TOKEN scope[,scope]`")
                }
                entries.append((String(parts[0]), try scopes(parts[1], where: "\(file):\(number + 1)")))
            }
        }
        if let text = environment["FORESHOCK_TOKENS"] {
            for item in text.split(separator: ";") where !item.isEmpty {
                let parts = item.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { throw ServerError("FORESHOCK_TOKENS: expected TOKEN:scope[,scope] items separated by ;") }
                entries.append((String(parts[0]), try scopes(parts[1], where: "FORESHOCK_TOKENS")))
            }
        }
        for (token, _) in entries where token.utf8.count < 16 {
            throw ServerError("a token has \(token.utf8.count) characters; use at least 16")
        }
        return AccessTokens(entries: entries)
    }

    private static func scopes(_ text: Substring, where location: String) throws -> Set<Scope> {
        var scopes = Set<Scope>()
        for name in text.split(separator: ",") {
            guard let scope = Scope(rawValue: String(name)) else {
                throw ServerError("\(location): unknown scope \(name); scopes are \(Scope.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            scopes.insert(scope)
        }
        return scopes
    }

    /// The scopes of `presented`, or nil when no configured token matches.
    func scopes(of presented: String) -> Set<Scope>? {
        let candidate = Array(presented.utf8)
        var found: Set<Scope>?
        for entry in entries {
            var difference = UInt(bitPattern: entry.token.count ^ candidate.count)
            for i in 0..<entry.token.count {
                difference |= UInt(entry.token[i] ^ (i < candidate.count ? candidate[i] : 0))
            }
            if difference == 0 { found = entry.scopes }
        }
        return found
    }
}

struct ServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
