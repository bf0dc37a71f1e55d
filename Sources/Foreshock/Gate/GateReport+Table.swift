extension GateReport {
    /// The report as a plain-text table, one row per group, then the reasons of each
    /// regression (and of limits exceeded without significance), then ``summary``:
    ///
    /// ```
    /// service   operation  n base/cand  p50 ms            p95 ms            p99 ms            errors       p(latency)  p(errors)  verdict
    /// checkout  GET /cart  400/400      10.1→13.0 +28.5%  19.8→25.6 +29.4%  24.9→32.3 +29.7%  0.00%→0.00%  1.4e-60     1          REGRESSION
    /// ```
    ///
    /// Names are printed with control characters replaced, so a hostile span name cannot move
    /// the terminal's cursor.
    public var table: String {
        var header = ["service", "operation", "n base/cand"]
        header += options.quantiles.map { GateFormat.quantileName($0) + " ms" }
        header += ["errors", "p(latency)", "p(errors)", "verdict"]
        var rows = [header]
        for g in groups {
            var row = [printable(g.service), printable(g.operation),
                       "\(g.baseline.map { String($0.count) } ?? "-")/\(g.candidate.map { String($0.count) } ?? "-")"]
            for (i, q) in options.quantiles.enumerated() {
                if let change = g.quantileChanges.first(where: { $0.quantile == q }) {
                    row.append("\(GateFormat.milliseconds(change.baseline))→\(GateFormat.milliseconds(change.candidate)) "
                               + GateFormat.signedPercent(change.relativeChange))
                } else {
                    row.append(GateFormat.milliseconds((g.baseline ?? g.candidate)?.quantiles[i] ?? .nan))
                }
            }
            switch (g.baseline, g.candidate) {
            case let (b?, c?): row.append("\(GateFormat.ratio(b.errorRatio))→\(GateFormat.ratio(c.errorRatio))")
            case let (b?, nil): row.append(GateFormat.ratio(b.errorRatio))
            case let (nil, c?): row.append(GateFormat.ratio(c.errorRatio))
            case (nil, nil): row.append("-")
            }
            row.append(g.latencyTest.map { GateFormat.pValue($0.pValue) } ?? "-")
            row.append(g.errorTest.map { GateFormat.pValue($0.pValue) } ?? "-")
            row.append(g.verdict == .regression ? "REGRESSION" : g.verdict.rawValue)
            rows.append(row)
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var lines = rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }
        let explained = groups.filter { ($0.verdict == .regression || $0.verdict == .pass) && !$0.explanation(options).isEmpty }
        if !explained.isEmpty {
            lines.append("")
            for g in explained {
                let mark = g.verdict == .regression ? "REGRESSION" : "within tolerance"
                lines.append("\(mark) \(printable(g.service)) \(printable(g.operation)): \(g.explanation(options))")
            }
        }
        lines.append("")
        lines.append(summary)
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `text` with control characters (which could move a terminal's cursor) replaced by `?`.
private func printable(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    return String(String.UnicodeScalarView(text.unicodeScalars.map { isControl($0) ? "?" : $0 }))
}

private func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
}
