// Shared by every harness (build.sh compiles it into each one).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops the process with a message libFuzzer records as a crash (the input is saved as
/// crash-<sha1>). Used for a broken property, as opposed to a trap inside the library.
func propertyFailed(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    printError("PROPERTY FAILED: \(message)")
    fatalError(message, file: file, line: line)
}

func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
           file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { propertyFailed(message(), file: file, line: line) }
}

/// A value the optimizer cannot see through, so that the harnesses' "use the result" loops are
/// not removed.
nonisolated(unsafe) var fuzzSink: UInt64 = 0

@inline(never) func consume(_ value: UInt64) { fuzzSink = fuzzSink &* 31 &+ value }

/// `FORESHOCK_FUZZ_VERBOSE=1 fuzz-<target> file...` prints what each input decoded to (triage).
let verbose = getenv("FORESHOCK_FUZZ_VERBOSE") != nil

/// Seed generation mode: `FORESHOCK_FUZZ_WRITE_SEEDS=<dir> fuzz-<target> [inputs...]` runs the
/// harness's `writeSeeds` instead of fuzzing (see README).
var seedDirectory: String? {
    guard let value = getenv("FORESHOCK_FUZZ_WRITE_SEEDS") else { return nil }
    return String(cString: value)
}

/// The command-line arguments that are not libFuzzer flags (`-name=value`).
var fileArguments: [String] {
    CommandLine.arguments.dropFirst().filter { !$0.hasPrefix("-") }
}

func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
}

func writeFile(_ path: String, _ bytes: [UInt8]) {
    guard let file = fopen(path, "wb") else { propertyFailed("cannot write \(path)") }
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
    printError("wrote \(path) (\(bytes.count) bytes)")
}

func lastPathComponent(_ path: String) -> String {
    String(path.split(separator: "/").last ?? Substring(path))
}
