import ArgumentParser
import Foreshock
import Foundation

/// A usage or input problem the CLI reports with exit code 2.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command body; prints errors as `foreshock: <what>` and exits 2 on bad input.
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("foreshock: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

func reportRecovery(_ store: Store) {
    for issue in store.recoveryIssues {
        FileHandle.standardError.write(Data("foreshock: recovered past damage: \(issue)\n".utf8))
    }
}

/// A one-line progress indicator on stderr, shown only when stderr is a terminal.
final class ProgressLine {
    private let enabled: Bool
    init(enabled: Bool) { self.enabled = enabled && isatty(2) != 0 }

    func update(_ done: Int, _ total: Int, _ unit: String) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) \(unit)".utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

enum FileSystemCheck {
    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    /// Total size of the regular files under `path`.
    static func treeBytes(_ path: String) -> Int {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total = 0
        while let relative = enumerator.nextObject() as? String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + relative)
            if attributes?[.type] as? FileAttributeType == .typeRegular {
                total += (attributes?[.size] as? NSNumber)?.intValue ?? 0
            }
        }
        return total
    }
}

/// The text `ingest` and `inspect` print about a store.
struct StoreSummary {
    let text: String

    init(_ s: StoreStatistics, directoryBytes: Int? = nil) {
        let points = s.blockPointCount + s.headPointCount
        var lines = [
            "series: \(s.seriesCount)   points: \(points) (\(s.blockPointCount) in \(s.blockCount) sealed blocks, \(s.headPointCount) in heads)",
            "sealed blocks: \(s.blockBytes) bytes, \(format(s.blockBytesPerPoint)) bytes/sample (headers included)",
            "segments: \(s.segmentCount) files, \(s.segmentBytes) bytes; write-ahead log: \(s.logBytes) bytes",
        ]
        if let directoryBytes, points > 0 {
            lines.append("data directory: \(directoryBytes) bytes, \(format(Double(directoryBytes) / Double(points))) bytes/sample")
        }
        lines.append("value codecs: " + s.valueCodecs.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        lines.append("timestamp codecs: " + s.timestampCodecs.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        text = lines.joined(separator: "\n")
    }
}

private func format(_ value: Double) -> String { String(format: "%.3f", value) }
