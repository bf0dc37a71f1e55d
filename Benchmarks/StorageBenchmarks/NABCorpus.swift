import Foreshock
import Foundation

/// The NAB corpus (58 series, 365,558 rows) as the store would hold it: each series sorted by
/// timestamp with repeated timestamps collapsed (last write wins), exactly what `foreshock
/// ingest` stores.
struct NABCorpus: Sendable {
    struct Series: Sendable {
        let name: String
        let timestamps: [Int64]
        let values: [Double]
    }

    let series: [Series]
    var sampleCount: Int { series.reduce(0) { $0 + $1.timestamps.count } }

    static let shared: NABCorpus = {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("../shared/datasets/nab/data").standardized.path
        do {
            let store = try Store(directory: nil, configuration: StoreConfiguration(blockCapacity: 1 << 20))
            _ = try FileImporter.load([root], into: store)
            let series = try store.series().map { key in
                let points = try store.read(series: key)
                return Series(name: key.description, timestamps: points.timestamps, values: points.values)
            }
            return NABCorpus(series: series)
        } catch {
            print("cannot load NAB from \(root): \(error)")
            return NABCorpus(series: [])
        }
    }()
}
