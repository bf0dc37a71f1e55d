@testable import ForeshockDetection
import ForeshockTestSupport
import Foundation
import Testing

@Suite("UnchangedRun")
struct UnchangedRunTests {
    /// Records `values`; returns the indices at which the record reported.
    private func reports(_ values: [Double], minimumRecord: Int) -> [Int] {
        var run = UnchangedRun()
        return values.indices.filter { run.record(values[$0], minimumRecord: minimumRecord) }
    }

    @Test func reportsOncePerRunThatOutlastsEveryEndedRun() {
        // Runs of 3 repeats (4 equal values), 2 repeats, then 6 repeats.
        let values: [Double] = [1, 1, 1, 1, 2, 3, 3, 3, 4, 5, 5, 5, 5, 5, 5, 5, 6]
        // The record is 3 repeats; the third run's 4th repeat (index 13) beats it, once.
        #expect(reports(values, minimumRecord: 3) == [13])
        // A record of 3 repeats is not long enough when 4 are required.
        #expect(reports(values, minimumRecord: 4).isEmpty)
        // The second run (2 repeats) never outlasts the first.
        #expect(reports(Array(values[0..<9]), minimumRecord: 1).isEmpty)
    }

    @Test func eachRunMayReportOnceAndTheRecordIsTheLongestNotTheLastRun() {
        // Runs of 1, 2 and 3 repeats: the second beats 1 at its 2nd repeat (index 5), the third
        // beats 2 at its 3rd (index 10).
        #expect(reports([1, 1, 2, 3, 3, 3, 4, 5, 5, 5, 5, 6], minimumRecord: 1) == [5, 10])
        // Runs of 3, 1 and 2 repeats: the last run is compared with the longest (3), not the
        // one before it (1).
        #expect(reports([1, 1, 1, 1, 2, 3, 3, 4, 5, 5, 5, 6], minimumRecord: 1).isEmpty)
    }

    @Test func theRecordGrowsAndAnOngoingRunIsNotItsOwnRecord() {
        var run = UnchangedRun()
        for x in [7.0, 7, 7, 8] { _ = run.record(x, minimumRecord: 1) }
        #expect(run.longest == 2 && run.current == 0)
        // A run that has not ended is not the record: a constant series never reports.
        #expect(reports([Double](repeating: 4, count: 500), minimumRecord: 1).isEmpty)
        // Values that never repeat never report.
        #expect(reports((0..<500).map(Double.init), minimumRecord: 1).isEmpty)
        // After a reported run ends it is the new record.
        for x in [9.0, 9, 9, 9, 10] { _ = run.record(x, minimumRecord: 1) }
        #expect(run.longest == 3)
    }

    /// Noisy values in [0, 10) that stick at 5 for the first 20 points of every 100 until row
    /// 1400 (runs of 19 repeats), then for `finalFlat` points from row 1500, then 50 more noisy.
    private func stuckSeries(finalFlat: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<(1500 + finalFlat + 50)).map { i in
            let stuck = (i % 100 < 20 && i < 1400) || (i >= 1500 && i < 1500 + finalFlat)
            return stuck ? 5 : Double.random(in: 0..<10, using: &rng)
        }
    }

    /// The rows of `values` whose alert score is ≥ 0.5, scored by `detector` from row `start`.
    private func alertRows(_ values: [Double], from start: Int = 0, _ detector: inout SeriesDetector) -> [Int] {
        (start..<values.count).filter { detector.update(timestamp: epoch + Int64($0) * oneMinute, value: values[$0]).alertScore >= 0.5 }
    }

    /// `stuckSeries(finalFlat:seed: 7)`'s alert rows past the warm-up.
    private func stuckAlerts(finalFlat: Int, configure: (inout DetectorConfiguration) -> Void = { _ in }) throws -> [Int] {
        var d = try makeDetector(configure)
        return alertRows(stuckSeries(finalFlat: finalFlat, seed: 7), &d).filter { $0 >= 300 }
    }

    @Test func aSeriesStuckLongerThanEverAlerts() throws {
        // The earlier flat stretches have 19 repeats; the 20th repeat of the last one (row 1520)
        // is the first point past the record.
        // (The run's evidence, 0.545, must beat every other evidence of the previous 100 points,
        // the trailing record: true for this seed's noise.)
        let alerts = try stuckAlerts(finalFlat: 60)
        #expect(alerts.contains(1520), "alerts \(alerts)")
        // A stretch as long as the earlier ones is ordinary.
        #expect(try !stuckAlerts(finalFlat: 20).contains { (1500...1525).contains($0) })
        // Off, or for a one-sided detector (a stuck value is neither high nor low): no alert.
        #expect(try !stuckAlerts(finalFlat: 60) { $0.unchangedRunMinimum = 0 }.contains(1520))
        #expect(try !stuckAlerts(finalFlat: 60) { $0.direction = .up }.contains(1520))
        // Earlier runs of 19 repeats are not a long enough record when 20 are required.
        #expect(try !stuckAlerts(finalFlat: 60) { $0.unchangedRunMinimum = 20 }.contains(1520))
        for bad in [-1, 1_000_001] {
            #expect(throws: DetectionError.self) { try makeDetector { $0.unchangedRunMinimum = bad } }
        }
    }

    @Test func savedStateResumesARunInProgress() throws {
        let values = stuckSeries(finalFlat: 60, seed: 9)
        var whole = try makeDetector()
        let alertsWhole = alertRows(values, &whole)
        var first = try makeDetector()
        var alertsResumed = alertRows(Array(values[..<1510]), &first)
        // Saved 10 repeats into the last run, restored, and continued.
        var resumed = try JSONDecoder().decode(SeriesDetector.self, from: JSONEncoder().encode(first))
        alertsResumed += alertRows(values, from: 1510, &resumed)
        #expect(alertsWhole.contains(1520) && alertsResumed == alertsWhole, "\(alertsResumed) vs \(alertsWhole)")
    }

    @Test func missingValuesNeitherBreakNorExtendARun() throws {
        let values = stuckSeries(finalFlat: 60, seed: 8)
        var without = try makeDetector()
        let alertsWithout = alertRows(values, &without)
        // The same series with a NaN between rows 1509 and 1510, inside the last run.
        var with = try makeDetector()
        var alertsWith = alertRows(Array(values[..<1510]), &with)
        _ = with.update(timestamp: epoch + 1510 * oneMinute - 1, value: .nan)
        alertsWith += alertRows(values, from: 1510, &with)
        #expect(alertsWith == alertsWithout && alertsWith.contains(1520), "\(alertsWith) vs \(alertsWithout)")
    }
}
