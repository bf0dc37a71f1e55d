import Foundation

/// Writes files so that partial output never looks complete: a temporary file beside the
/// target, renamed over it when fully written.
enum AtomicFile {
    static func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        try Data(text.utf8).write(to: temporary)
        guard rename(temporary.path, url.path) == 0 else {
            throw CLIError("cannot rename \(temporary.path) to \(url.path): errno \(errno)")
        }
    }
}
