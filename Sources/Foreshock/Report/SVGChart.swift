import ForeshockDetection
import ForeshockTelemetry

/// Renders a ``ScoredSeries`` as a self-contained SVG chart: a pure function (no I/O, no
/// clock), so the CLI's HTML report and the server's dashboard draw the same picture.
///
/// Layers, back to front, each one element with a `class` to style or select it by:
/// - `incident` rectangles shading each incident from its onset to its last anomalous point
///   (`incident warning` / `incident critical`);
/// - `band`: the expected band (lower … upper) as one filled `<path>`;
/// - `expected`: the expected value, a dashed `<path>`;
/// - `observed`: the observed values, a `<path>`;
/// - `threshold`: the static threshold line, when ``Options/threshold`` is set;
/// - `anomaly` circles: one per alert (each `opened` and `updated` event, the points the
///   `alert` column of `foreshock score` marks), with a tooltip;
/// - axes with UTC time ticks and value ticks, the title and a legend.
///
/// Big series stay light: each line is reduced to the minimum and maximum of every pixel
/// column (in time order), so a chart holds at most ``Options/maxPointsPerLayer`` points per
/// layer whatever the series length, and spikes survive the reduction. Missing points
/// (NaN/±Inf) break the lines and the band.
///
/// All text (the title comes from file and column names) is escaped with ``Markup/escape(_:)``;
/// the SVG uses presentation attributes only (no CSS, scripts, fonts or links), so it renders
/// the same inline in HTML and as a standalone `.svg` file.
///
/// ```swift
/// let scored = try SeriesScoring.score(series, source: "latency.csv")
/// let svg = SVGChart.render(scored, options: .init(threshold: 800))
/// ```
///
/// - Complexity: O(points + incidents).
public enum SVGChart {
    public struct Options: Sendable, Equatable {
        /// Size of the whole chart in pixels (the SVG's `viewBox`).
        public var width: Int
        public var height: Int
        /// The most points drawn per line layer; the plot's pixel columns cap it too.
        public var maxPointsPerLayer: Int
        /// A static threshold (SLO line) to draw.
        public var threshold: Double?
        /// The chart title; nil for `source — name`.
        public var title: String?

        public init(width: Int = 960, height: Int = 280, maxPointsPerLayer: Int = 2000,
                    threshold: Double? = nil, title: String? = nil) {
            self.width = width
            self.height = height
            self.maxPointsPerLayer = maxPointsPerLayer
            self.threshold = threshold
            self.title = title
        }
    }

    static let observedColor = "#1f2937"
    static let expectedColor = "#2563eb"
    static let bandColor = "#93c5fd"
    static let warningColor = "#f59e0b"
    static let criticalColor = "#dc2626"
    static let thresholdColor = "#7c3aed"
    static let font = "font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\""

    /// The chart of `series` as an `<svg>` element (no XML declaration, so it can be inlined in
    /// HTML as is).
    public static func render(_ series: ScoredSeries, options: Options = Options()) -> String {
        let title = options.title ?? (series.source.isEmpty ? series.name : "\(series.source) — \(series.name)")
        let width = max(200, options.width), height = max(120, options.height)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"foreshock-chart\" viewBox=\"0 0 \(width) \(height)\" "
            + "width=\"\(width)\" height=\"\(height)\" role=\"img\" \(font) font-size=\"11\">"
        svg += "<title>\(Markup.escape(title))</title>"
        svg += "<rect class=\"background\" x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>"
        svg += "<text class=\"title\" x=\"8\" y=\"16\" font-size=\"13\" font-weight=\"600\" fill=\"#111827\">\(Markup.escape(title))</text>"
        guard let frame = Frame(series, options: options, width: width, height: height) else {
            svg += "<text class=\"no-data\" x=\"\(width / 2)\" y=\"\(height / 2)\" text-anchor=\"middle\" fill=\"#6b7280\">no data</text></svg>"
            return svg
        }
        svg += axes(frame)
        svg += incidents(series, frame)
        svg += layers(series, frame)
        if let threshold = options.threshold, threshold >= frame.low, threshold <= frame.high {
            let y = coordinate(frame.y(threshold))
            svg += "<line class=\"threshold\" x1=\"\(coordinate(frame.left))\" y1=\"\(y)\" x2=\"\(coordinate(frame.right))\" y2=\"\(y)\" "
                + "stroke=\"\(thresholdColor)\" stroke-width=\"1\" stroke-dasharray=\"6 3\"><title>threshold \(Markup.escape(ReportFormat.significant(threshold)))</title></line>"
        }
        svg += anomalies(series, frame)
        svg += legend(frame, threshold: options.threshold != nil)
        svg += "</svg>"
        return svg
    }

    // MARK: Layers

    private static func layers(_ series: ScoredSeries, _ frame: Frame) -> String {
        let points = series.points
        var out = ""
        let band = bandPath(points, frame)
        if !band.isEmpty {
            out += "<path class=\"band\" d=\"\(band)\" fill=\"\(bandColor)\" fill-opacity=\"0.45\" stroke=\"none\"/>"
        }
        let expected = linePath(points, frame) { $0.isValid ? $0.expected : .nan }
        if !expected.isEmpty {
            out += "<path class=\"expected\" d=\"\(expected)\" fill=\"none\" stroke=\"\(expectedColor)\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>"
        }
        let observed = linePath(points, frame) { $0.value }
        if !observed.isEmpty {
            out += "<path class=\"observed\" d=\"\(observed)\" fill=\"none\" stroke=\"\(observedColor)\" stroke-width=\"1.2\" stroke-linejoin=\"round\"/>"
        }
        return out
    }

    /// The min/max-per-column polyline of `value` (non-finite values break it).
    static func linePath(_ points: [PointScore], _ frame: Frame, value: (PointScore) -> Double) -> String {
        var path = PathWriter()
        var column = -1
        var minimum = 0.0, maximum = 0.0, minimumIndex = 0, maximumIndex = 0
        func flush() {
            guard column >= 0 else { return }
            let x = frame.columnX(column)
            if minimumIndex == maximumIndex {
                path.point(x, frame.y(minimum))
            } else if minimumIndex < maximumIndex {
                path.point(x, frame.y(minimum))
                path.point(x, frame.y(maximum))
            } else {
                path.point(x, frame.y(maximum))
                path.point(x, frame.y(minimum))
            }
            column = -1
        }
        for (i, p) in points.enumerated() {
            let v = value(p)
            guard v.isFinite else {
                flush()
                path.lift()
                continue
            }
            let c = frame.column(p.timestamp)
            if c != column {
                flush()
                column = c
                minimum = v; maximum = v; minimumIndex = i; maximumIndex = i
            } else {
                if v < minimum { minimum = v; minimumIndex = i }
                if v > maximum { maximum = v; maximumIndex = i }
            }
        }
        flush()
        return path.text
    }

    /// The expected band as closed sub-paths: per column the lowest `lower` and the highest
    /// `upper`, along the top then back along the bottom; broken where the band is missing.
    static func bandPath(_ points: [PointScore], _ frame: Frame) -> String {
        var path = PathWriter()
        var upper: [(Double, Double)] = [], lower: [(Double, Double)] = []
        var column = -1
        var low = 0.0, high = 0.0
        func flushColumn() {
            guard column >= 0 else { return }
            let x = frame.columnX(column)
            upper.append((x, frame.y(high)))
            lower.append((x, frame.y(low)))
            column = -1
        }
        func flushSegment() {
            flushColumn()
            if !upper.isEmpty {
                for (x, y) in upper { path.point(x, y) }
                for (x, y) in lower.reversed() { path.point(x, y) }
                path.close()
            }
            upper.removeAll(keepingCapacity: true)
            lower.removeAll(keepingCapacity: true)
        }
        for p in points {
            guard p.isValid, p.lower.isFinite, p.upper.isFinite else {
                flushSegment()
                continue
            }
            let c = frame.column(p.timestamp)
            if c != column {
                flushColumn()
                column = c
                low = p.lower; high = p.upper
            } else {
                low = min(low, p.lower)
                high = max(high, p.upper)
            }
        }
        flushSegment()
        return path.text
    }

    private static func incidents(_ series: ScoredSeries, _ frame: Frame) -> String {
        var out = ""
        for a in series.incidents {
            let x0 = frame.x(max(a.onset, frame.start)), x1 = frame.x(min(a.time, frame.end))
            let width = max(2, x1 - x0)
            let color = a.severity == .critical ? criticalColor : warningColor
            out += "<rect class=\"incident \(a.severity.rawValue)\" x=\"\(coordinate(min(x0, frame.right - width)))\" y=\"\(coordinate(frame.top))\" "
                + "width=\"\(coordinate(width))\" height=\"\(coordinate(frame.bottom - frame.top))\" fill=\"\(color)\" fill-opacity=\"0.14\">"
                + "<title>\(Markup.escape(incidentText(a)))</title></rect>"
        }
        return out
    }

    private static func anomalies(_ series: ScoredSeries, _ frame: Frame) -> String {
        var out = ""
        for event in series.events {
            let a: Anomaly
            switch event {
            case let .opened(anomaly), let .updated(anomaly): a = anomaly
            case .closed: continue
            }
            let color = a.severity == .critical ? criticalColor : warningColor
            let v = a.observed.isFinite ? a.observed : a.expected
            out += "<circle class=\"anomaly \(a.severity.rawValue)\" cx=\"\(coordinate(frame.x(a.time)))\" cy=\"\(coordinate(frame.y(v)))\" r=\"3.5\" "
                + "fill=\"\(color)\" stroke=\"#ffffff\" stroke-width=\"1\"><title>\(Markup.escape(alertText(a)))</title></circle>"
        }
        return out
    }

    private static func incidentText(_ a: Anomaly) -> String {
        "\(a.kind.rawValue) \(a.severity.rawValue) \(TimestampFormatter.string(milliseconds: a.onset)) .. "
            + "\(TimestampFormatter.string(milliseconds: a.time)) UTC, score \(ReportFormat.significant(a.score, digits: 3))"
    }

    private static func alertText(_ a: Anomaly) -> String {
        var text = "\(a.kind.rawValue) \(a.severity.rawValue) at \(TimestampFormatter.string(milliseconds: a.time)) UTC: "
            + "observed \(ReportFormat.significant(a.observed)), expected \(ReportFormat.significant(a.expected)) (\(ReportFormat.significant(a.lower)) .. \(ReportFormat.significant(a.upper))), "
            + "score \(ReportFormat.significant(a.score, digits: 3))"
        if let lead = a.leadTime { text += ", breach expected in \(ReportFormat.duration(milliseconds: lead))" }
        return text
    }

    // MARK: Axes and legend

    private static func axes(_ frame: Frame) -> String {
        var out = "<g class=\"axes\" fill=\"#4b5563\">"
        let (ticks, step) = AxisTicks.values(frame.low, frame.high)
        for value in ticks {
            let y = coordinate(frame.y(value))
            out += "<line x1=\"\(coordinate(frame.left))\" y1=\"\(y)\" x2=\"\(coordinate(frame.right))\" y2=\"\(y)\" stroke=\"#e5e7eb\" stroke-width=\"1\"/>"
            out += "<text x=\"\(coordinate(frame.left - 6))\" y=\"\(y)\" dy=\"0.32em\" text-anchor=\"end\">"
                + "\(Markup.escape(AxisTicks.valueLabel(value, step: step)))</text>"
        }
        for (time, label) in AxisTicks.times(frame.start, frame.end) {
            let x = coordinate(frame.x(time))
            out += "<line x1=\"\(x)\" y1=\"\(coordinate(frame.bottom))\" x2=\"\(x)\" y2=\"\(coordinate(frame.bottom + 4))\" stroke=\"#9ca3af\" stroke-width=\"1\"/>"
            out += "<text x=\"\(x)\" y=\"\(coordinate(frame.bottom + 16))\" text-anchor=\"middle\">\(Markup.escape(label))</text>"
        }
        out += "<text x=\"\(coordinate(frame.right))\" y=\"\(coordinate(frame.bottom + 30))\" text-anchor=\"end\" fill=\"#6b7280\">UTC</text>"
        out += "<rect x=\"\(coordinate(frame.left))\" y=\"\(coordinate(frame.top))\" width=\"\(coordinate(frame.right - frame.left))\" "
            + "height=\"\(coordinate(frame.bottom - frame.top))\" fill=\"none\" stroke=\"#d1d5db\" stroke-width=\"1\"/>"
        return out + "</g>"
    }

    private static func legend(_ frame: Frame, threshold: Bool) -> String {
        var items: [(String, String)] = [
            ("observed", "<line x1=\"0\" y1=\"-4\" x2=\"14\" y2=\"-4\" stroke=\"\(observedColor)\" stroke-width=\"1.5\"/>"),
            ("expected", "<line x1=\"0\" y1=\"-4\" x2=\"14\" y2=\"-4\" stroke=\"\(expectedColor)\" stroke-dasharray=\"4 3\"/>"),
            ("band", "<rect x=\"0\" y=\"-9\" width=\"14\" height=\"10\" fill=\"\(bandColor)\" fill-opacity=\"0.45\"/>"),
            ("incident", "<rect x=\"0\" y=\"-9\" width=\"14\" height=\"10\" fill=\"\(criticalColor)\" fill-opacity=\"0.14\"/>"),
            ("alert", "<circle cx=\"7\" cy=\"-4\" r=\"3.5\" fill=\"\(criticalColor)\"/>"),
        ]
        if threshold {
            items.append(("threshold", "<line x1=\"0\" y1=\"-4\" x2=\"14\" y2=\"-4\" stroke=\"\(thresholdColor)\" stroke-dasharray=\"6 3\"/>"))
        }
        var out = "<g class=\"legend\" fill=\"#374151\">"
        var x = frame.right
        for (label, symbol) in items.reversed() {
            x -= Double(label.count) * 6.2 + 26
            out += "<g transform=\"translate(\(coordinate(x)) 16)\">\(symbol)<text x=\"18\" y=\"0\">\(label)</text></g>"
        }
        return out + "</g>"
    }
}

extension SVGChart {
    /// The plot area and the mappings from time and value to pixels.
    struct Frame {
        let left: Double, top: Double, right: Double, bottom: Double
        let start: Int64, end: Int64
        let low: Double, high: Double
        /// Pixel columns the lines are reduced to.
        let columns: Int

        /// Nil when the series has no finite value.
        init?(_ series: ScoredSeries, options: SVGChart.Options, width: Int, height: Int) {
            var low = Double.infinity, high = -Double.infinity
            var start = Int64.max, end = Int64.min
            for p in series.points where p.value.isFinite {
                low = min(low, p.value)
                high = max(high, p.value)
                if p.expected.isFinite {
                    low = min(low, p.expected)
                    high = max(high, p.expected)
                }
                start = min(start, p.timestamp)
                end = max(end, p.timestamp)
            }
            guard low <= high else { return nil }
            if let threshold = options.threshold, threshold.isFinite {
                low = min(low, threshold)
                high = max(high, threshold)
            }
            let range = high - low
            let pad = range > 0 ? range * 0.06 : max(abs(high) * 0.1, 1)
            self.low = low - pad
            self.high = high + pad
            if start == end {
                start -= 60_000
                end += 60_000
            }
            self.start = start
            self.end = end
            left = 64
            right = Double(width) - 16
            top = 28
            bottom = Double(height) - 38
            columns = max(2, min(Int(right - left), options.maxPointsPerLayer / 2))
        }

        @inline(__always) func x(_ t: Int64) -> Double {
            left + Double(t - start) / Double(end - start) * (right - left)
        }

        /// The y of `v`, clamped to a few pixels outside the plot (a wide band stays drawable).
        @inline(__always) func y(_ v: Double) -> Double {
            let raw = bottom - (v - low) / (high - low) * (bottom - top)
            return min(max(raw, top - 2), bottom + 2)
        }

        @inline(__always) func column(_ t: Int64) -> Int {
            let c = (Double(t - start) / Double(end - start) * Double(columns - 1)).rounded()
            return Int(min(max(c, 0), Double(columns - 1)))
        }

        @inline(__always) func columnX(_ c: Int) -> Double {
            left + Double(c) / Double(columns - 1) * (right - left)
        }
    }

    /// Builds SVG path data (`M x y L x y … Z`) with one decimal per coordinate.
    struct PathWriter {
        private(set) var text = ""
        private var penDown = false

        mutating func point(_ x: Double, _ y: Double) {
            text += penDown ? "L" : (text.isEmpty ? "M" : " M")
            text += SVGChart.coordinate(x)
            text += " "
            text += SVGChart.coordinate(y)
            penDown = true
        }

        /// The next point starts a new sub-path.
        mutating func lift() { penDown = false }

        mutating func close() {
            if penDown { text += "Z" }
            penDown = false
        }
    }

    /// `v` with one decimal (`12.3`, `-0.5`, `40`), without `String(format:)` (a chart writes
    /// thousands of coordinates).
    static func coordinate(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let tenths = Int((v * 10).rounded())
        let magnitude = tenths.magnitude
        var text = tenths < 0 ? "-" : ""
        text += String(magnitude / 10)
        let fraction = magnitude % 10
        if fraction != 0 { text += "." + String(fraction) }
        return text
    }
}
