#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CSVSeriesReader {
    /// Reads the series in the CSV file at `path` (see ``CSVSeriesReader`` for the format).
    ///
    /// The whole file is read into memory, then parsed in place.
    ///
    /// - Returns: the series in column order (wide format) or first-seen order (long format).
    /// - Throws: ``InputError`` (with `path` as its source) for malformed content, or with
    ///   line 0 when the file cannot be read.
    public static func read(file path: String) throws -> [NamedSeries] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InputError(source: path, line: 0, message: "cannot read file: \(reason(error))")
        }
        return try data.withUnsafeBytes { raw throws in
            try read(buffer: raw.assumingMemoryBound(to: UInt8.self), source: path)
        }
    }

    /// A short reason for a failed file read.
    private static func reason(_ error: any Error) -> String {
        guard let cocoa = error as? CocoaError else { return "\(error)" }
        guard let posix = cocoa.underlying as? POSIXError else { return "error \(cocoa.code.rawValue)" }
        switch posix.code {
        case .ENOENT: return "no such file or directory"
        case .EACCES, .EPERM: return "permission denied"
        case .EISDIR: return "is a directory"
        case .ENOTDIR: return "a path component is not a directory"
        default: return "errno \(posix.code.rawValue)"
        }
    }
}
