import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The test tools built with the tests (`store-crash-writer`, `engine-crash-writer`,
/// `engine-soak`): where they are, and running one — to completion, or killed with SIGKILL
/// after a while, as the crash-safety tests do.
public enum TestTool {
    /// The path of executable `name` beside the test bundle (or one directory up), or nil.
    public static func path(_ name: String) -> String? {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent(name).path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `path` with `arguments` and returns its standard output and exit status; with
    /// `killAfterMicroseconds`, kills it with SIGKILL after that long (without warning).
    public static func run(_ path: String, _ arguments: [String],
                           killAfterMicroseconds: UInt32? = nil) throws -> (output: String, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        if let delay = killAfterMicroseconds {
            usleep(delay)
            kill(process.processIdentifier, SIGKILL)
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (output, process.terminationStatus)
    }
}
