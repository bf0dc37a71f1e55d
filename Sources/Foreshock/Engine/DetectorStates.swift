import ForeshockDetection
import ForeshockStorage
import Foundation

/// The engine's per-series detectors, persisted beside the store so that models do not relearn
/// from zero after a restart.
///
/// File `detectors.json` in the data directory (written to a temporary file and renamed):
/// `{"version": 1, "series": [{"key": SeriesKey, "detector": SeriesDetector, "lastTimestamp": ms}]}`.
/// Points the store holds beyond a detector's `lastTimestamp` (written after the last save)
/// are replayed into it on open, so a crash costs no learning either.
struct DetectorStates: Sendable {
    struct Slot: Codable, Sendable {
        var detector: SeriesDetector
        /// The newest timestamp the detector has seen (ms); older points are not scored.
        var lastTimestamp: Int64
    }

    private struct File: Codable {
        var version = 1
        var series: [Entry]
        struct Entry: Codable {
            var key: SeriesKey
            var detector: SeriesDetector
            var lastTimestamp: Int64
        }
    }

    static let fileName = "detectors.json"
    var slots: [SeriesKey: Slot] = [:]

    /// Reads saved detectors; a missing file is an empty set, an unreadable one an error.
    static func load(directory: String) throws -> DetectorStates {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return DetectorStates() }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        let file = try decoder.decode(File.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        var states = DetectorStates()
        for entry in file.series { states.slots[entry.key] = Slot(detector: entry.detector, lastTimestamp: entry.lastTimestamp) }
        return states
    }

    func save(directory: String) throws {
        let entries = slots.map { File.Entry(key: $0.key, detector: $0.value.detector, lastTimestamp: $0.value.lastTimestamp) }
            .sorted { $0.key.description < $1.key.description }
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+Inf", negativeInfinity: "-Inf", nan: "NaN")
        let data = try encoder.encode(File(series: entries))
        try data.write(to: URL(fileURLWithPath: directory + "/" + Self.fileName), options: .atomic)
    }
}
