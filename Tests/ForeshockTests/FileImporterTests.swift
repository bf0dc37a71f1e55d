import Foundation
import Foreshock
import Testing

/// The repository's `Datasets/` and the shared NAB corpus beside the repository.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
let nabDirectory = repositoryRoot + "/../shared/datasets/nab/data"

@Suite struct FileImporterTests {
    @Test func importingTheNABCorpusKeepsEveryDistinctTimestampBitExact() throws {
        let store = try Store(directory: nil)
        let report = try FileImporter.load([nabDirectory], into: store)
        #expect(report.files == 58)
        #expect(report.points == 365_558)
        // Duplicated timestamps in the corpus are replaced (last write wins), never dropped silently.
        #expect(report.append.accepted + report.append.replaced == report.points)
        #expect(report.append.rejectedTooOld == 0)
        let key = try SeriesKey(name: "value", labels: [Label("source", "realKnownCause/nyc_taxi.csv")])
        let read = try store.read(series: key)
        let csv = try CSVSeriesReader.read(file: nabDirectory + "/realKnownCause/nyc_taxi.csv")
        #expect(read.count == 10_320)
        #expect(read.values.map(\.bitPattern) == csv[0].values.map(\.bitPattern))
    }

    @Test func missingInputIsAClearError() throws {
        let store = try Store(directory: nil)
        #expect(throws: InputError.self) { _ = try FileImporter.load(["/nonexistent/file.csv"], into: store) }
    }
}
