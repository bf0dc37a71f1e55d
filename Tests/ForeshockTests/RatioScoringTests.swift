import Foreshock
import ForeshockDetection
import ForeshockTelemetry
import Testing

/// `foreshock score --ratio errors/requests`: two count columns judged count-aware.
@Suite struct RatioScoringTests {
    private static let minute: Int64 = 60_000

    /// Errors and requests per minute: a busy day at 0.5 % errors, a quiet night (3 requests a
    /// minute, where one error is a 33 % "ratio"), then a burst of errors on busy traffic.
    private static func counts() -> [NamedSeries] {
        var errors: [Double] = [], requests: [Double] = []
        for i in 0..<600 {
            let n = 200.0
            requests.append(n)
            errors.append(i % 2 == 0 ? 1 : 0) // 0.5 %
        }
        for i in 0..<300 {
            requests.append(3)
            errors.append(i % 100 == 50 ? 1 : 0)
        }
        for _ in 0..<20 {
            requests.append(200)
            errors.append(20) // 10 %
        }
        let timestamps = (0..<Int64(errors.count)).map { $0 * minute }
        return [NamedSeries(name: "errors", timestamps: timestamps, values: errors),
                NamedSeries(name: "requests", timestamps: timestamps, values: requests)]
    }

    @Test func aBurstIsRaisedButSingleErrorsOnQuietTrafficAreNot() throws {
        let columns = try #require(SeriesScoring.RatioColumns("errors/requests"))
        let scored = try SeriesScoring.scoreRatio(columns, in: Self.counts(), source: "test.csv")
        #expect(scored.name == "errors/requests" && scored.points.count == 920)
        let incidents = scored.incidents
        #expect(incidents.count == 1, "\(incidents.map { ($0.onset / Self.minute, $0.observed) })")
        let burst = try #require(incidents.first)
        #expect(burst.onset >= 900 * Self.minute && burst.onset < 905 * Self.minute)
        #expect(burst.expected < 0.02 && burst.observed > 0.05, "the baseline learns a tenth as fast during an incident: \(burst.expected)")
        // A plain value detector on the same ratio sees the night's 33 % minutes.
        let night = scored.points[600..<900]
        #expect(night.contains { $0.value > 0.3 } && night.allSatisfy { $0.alertScore < 0.5 })
        #expect(scored.points[900...].contains { $0.alertScore >= 0.5 })
    }

    @Test func rowsThatAreNotCountsAreSkippedAndMissingColumnsNamed() throws {
        let columns = try #require(SeriesScoring.RatioColumns("errors/requests"))
        let timestamps: [Int64] = [0, 60_000, 120_000, 180_000]
        let series = [NamedSeries(name: "errors", timestamps: timestamps, values: [1, 0.5, .nan, 5]),
                      NamedSeries(name: "requests", timestamps: timestamps, values: [10, 10, 10, 4])]
        let scored = try SeriesScoring.scoreRatio(columns, in: series, source: "x.csv")
        #expect(scored.points.map(\.isValid) == [true, false, false, false])
        #expect(throws: InputError.self) {
            try SeriesScoring.scoreRatio(try #require(SeriesScoring.RatioColumns("errors/calls")), in: series, source: "x.csv")
        }
        do {
            _ = try SeriesScoring.scoreRatio(try #require(SeriesScoring.RatioColumns("errs/requests")), in: series, source: "x.csv")
        } catch let error as InputError {
            #expect("\(error)".contains("no column \"errs\""))
        }
        #expect(SeriesScoring.RatioColumns("errors") == nil && SeriesScoring.RatioColumns("/requests") == nil)
        #expect(SeriesScoring.RatioColumns("a/b/c")?.numerator == "a/b")
    }
}
