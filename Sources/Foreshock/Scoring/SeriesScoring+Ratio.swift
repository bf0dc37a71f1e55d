import ForeshockDetection
import ForeshockTelemetry

extension SeriesScoring {
    /// Two columns of one input scored together as a ratio of counts: errors out of requests
    /// per row, judged by ``ErrorRatioDetector`` (how improbable that many errors are given the
    /// requests and the learned baseline) instead of by the ratio's value, which for a sparse
    /// operation jumps by whole percent with every error.
    public struct RatioColumns: Sendable, Equatable {
        public var numerator: String
        public var denominator: String

        /// `errors/requests`: the two column names, either side of the last `/`.
        public init?(_ text: String) {
            guard let slash = text.lastIndex(of: "/") else { return nil }
            numerator = String(text[..<slash])
            denominator = String(text[text.index(after: slash)...])
            guard !numerator.isEmpty, !denominator.isEmpty else { return nil }
        }

        public var name: String { numerator + "/" + denominator }
    }

    /// Scores the ratio `columns` of the series read from one input.
    ///
    /// Rows whose two cells are not both whole, non-negative counts with the numerator at most
    /// the denominator (NaN, a fraction, more errors than requests) are reported as invalid
    /// points and change nothing; rows are taken in the order given.
    ///
    /// Per row: `value` is the row's own ratio (0 without requests), `expected` the baseline
    /// ratio and `upper` the band's top of the last pooled window, `score` and `alertScore`
    /// that window's score on the row that completed it (0 on rows still pooling).
    ///
    /// - Throws: ``InputError`` when a column is missing or the two columns' timestamps differ;
    ///   ``DetectionError`` for an invalid configuration.
    public static func scoreRatio(_ columns: RatioColumns, in series: [NamedSeries], source: String,
                                  configuration: ErrorRatioDetector.Configuration = ErrorRatioDetector.Configuration()) throws -> ScoredSeries {
        func column(_ name: String) throws -> NamedSeries {
            guard let found = series.first(where: { $0.name == name }) else {
                let names = series.map(\.name).joined(separator: ", ")
                throw InputError(source: source, line: 1, message: "no column \"\(name)\" for --ratio \(columns.name) (columns: \(names))")
            }
            return found
        }
        let errors = try column(columns.numerator), requests = try column(columns.denominator)
        guard errors.timestamps == requests.timestamps else {
            throw InputError(source: source, line: 0, message: "columns \"\(columns.numerator)\" and \"\(columns.denominator)\" have different rows")
        }
        var detector = try ErrorRatioDetector(series: SeriesRef(name: columns.name, labels: ["source": source]), configuration: configuration)
        var points: [PointScore] = []
        var events: [AnomalyEvent] = []
        points.reserveCapacity(errors.timestamps.count)
        for index in errors.timestamps.indices {
            let timestamp = errors.timestamps[index]
            guard let k = count(errors.values[index]), let n = count(requests.values[index]), k <= n else {
                points.append(PointScore(timestamp: timestamp, value: .nan, expected: detector.baselineRatio, lower: 0, upper: 1, score: 0,
                                         alertScore: 0, isWarmingUp: !detector.isWarm, isValid: false, event: nil))
                continue
            }
            let before = detector.lastPooled
            let event = detector.update(timestamp: timestamp, errors: k, requests: n)
            if let event { events.append(event) }
            let pooled = detector.lastPooled
            let score = pooled != before ? pooled?.score ?? 0 : 0
            points.append(PointScore(timestamp: timestamp, value: n == 0 ? 0 : Double(k) / Double(n),
                                     expected: pooled?.expected ?? detector.baselineRatio, lower: 0, upper: pooled?.upper ?? 1,
                                     score: score, alertScore: score, isWarmingUp: !detector.isWarm, isValid: true, event: event))
        }
        if let last = detector.flush() { events.append(last) }
        return ScoredSeries(source: source, name: columns.name, points: points, events: events)
    }

    /// A cell as a count: a whole number from 0 to 2⁵³ (exact in a double), else nil.
    private static func count(_ value: Double) -> Int? {
        guard value.isFinite, value >= 0, value <= 9_007_199_254_740_992, value.rounded(.towardZero) == value else { return nil }
        return Int(value)
    }
}
