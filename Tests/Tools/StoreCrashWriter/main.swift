// A writer for the crash-safety tests: appends deterministic points to a store, flushes, and
// prints `ACK <series> <count>` after each flush returns (points 0..<count of that series are
// then acknowledged). The test kills it with SIGKILL at a random moment and checks the store.
//
// Usage: store-crash-writer DATA_DIR SEED
import ForeshockStorage
import ForeshockTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The value of point `i` of series `s`: any test can recompute it.
func crashWriterValue(series s: Int, index i: Int) -> Double { Double(s * 1_000_003 + i) / 7 }

let arguments = CommandLine.arguments
guard arguments.count == 3, let seed = UInt64(arguments[2]) else {
    print("usage: store-crash-writer DATA_DIR SEED")
    exit(2)
}
var random = SplitMix64(seed: seed)

do {
    let store = try Store(directory: arguments[1], configuration: StoreConfiguration(blockCapacity: 512, walCheckpointBytes: 256 << 10))
    var counts = [Int](repeating: 0, count: 8)
    for s in 0..<8 {
        let key = try SeriesKey(name: "crash", labels: ["series": "\(s)"])
        counts[s] = try store.read(series: key).count
    }
    while true {
        let s = Int(random.next() % 8)
        let key = try SeriesKey(name: "crash", labels: ["series": "\(s)"])
        let n = Int(random.next() % 400) + 1
        let start = counts[s]
        let t = (start..<(start + n)).map { Int64($0) * 1000 }
        try store.append(series: key, timestamps: t, values: (start..<(start + n)).map { crashWriterValue(series: s, index: $0) })
        counts[s] += n
        try store.flush()
        let line = "ACK \(s) \(counts[s])\n"
        _ = line.utf8CString.withUnsafeBufferPointer { write(1, $0.baseAddress, $0.count - 1) }
    }
} catch {
    print("ERROR \(error)")
    exit(1)
}
