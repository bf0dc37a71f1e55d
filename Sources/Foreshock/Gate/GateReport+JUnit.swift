extension GateReport {
    /// The report as JUnit XML, which CI systems (GitLab, Jenkins, GitHub test reporters)
    /// display per test: one `<testcase>` per group (`classname` = service, `name` =
    /// operation), with a `<failure>` for a regression (the measurements as its text),
    /// `<skipped>` for insufficient data and groups in one export only, and the measurements in
    /// `<system-out>` otherwise. Every name and message
    /// is escaped (``Markup/escape(_:)``), so any span name gives well-formed XML.
    ///
    /// ```xml
    /// <testsuites name="foreshock gate" tests="2" failures="1" errors="0" skipped="0">
    ///   <testsuite name="foreshock gate" tests="2" failures="1" errors="0" skipped="0">
    ///     <testcase classname="checkout" name="GET /cart" time="0">
    ///       <failure type="latency" message="p99 24.9→32.3 ms (+29.7%), limit 10%; Mann–Whitney p=1.4e-60">…</failure>
    /// ```
    public var junitXML: String {
        let failures = groups(.regression).count
        let skipped = groups.filter { $0.verdict != .regression && $0.verdict != .pass }.count
        let counts = "tests=\"\(groups.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\""
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"foreshock gate\" \(counts)>\n"
        xml += "  <testsuite name=\"foreshock gate\" \(counts) time=\"0\">\n"
        xml += "    <properties>\n"
        let properties = [
            ("quantiles", options.quantiles.map { GateFormat.quantileName($0) }.joined(separator: ",")),
            ("max-latency-regression", GateFormat.percent(options.maxLatencyRegression)),
            ("max-error-rate-increase", GateFormat.percentagePoints(options.maxErrorRateIncrease, signed: false)),
            ("significance", "\(options.significance)"),
            ("min-spans", "\(options.minimumSpans)"),
            ("baseline-spans", "\(baselineSpanCount)"),
            ("candidate-spans", "\(candidateSpanCount)"),
        ]
        for (name, value) in properties {
            xml += "      <property name=\"\(name)\" value=\"\(Markup.escape(value))\"/>\n"
        }
        xml += "    </properties>\n"
        for g in groups {
            xml += "    <testcase classname=\"\(Markup.escape(g.service))\" name=\"\(Markup.escape(g.operation))\" time=\"0\">\n"
            let explanation = Markup.escape(g.explanation(options))
            switch g.verdict {
            case .regression:
                let type = [g.latencyRegressed ? "latency" : nil, g.errorRatioRegressed ? "errors" : nil].compactMap { $0 }.joined(separator: "+")
                xml += "      <failure type=\"\(type)\" message=\"\(explanation)\">\(Markup.escape(measurements(g)))</failure>\n"
            case .insufficientData, .onlyInBaseline, .onlyInCandidate:
                xml += "      <skipped message=\"\(explanation)\"/>\n"
            case .pass:
                break
            }
            if g.verdict != .regression {
                xml += "      <system-out>\(Markup.escape(measurements(g)))</system-out>\n"
            }
            xml += "    </testcase>\n"
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    /// The group's numbers as text lines (for `<system-out>` and failure bodies).
    private func measurements(_ g: GateGroupResult) -> String {
        var lines: [String] = []
        func side(_ name: String, _ s: GateSampleSummary?) {
            guard let s else { return lines.append("\(name): absent") }
            let qs = zip(options.quantiles, s.quantiles).map { "\(GateFormat.quantileName($0)) \(GateFormat.milliseconds($1)) ms" }
            lines.append("\(name): \(s.count) spans, \(s.errors) errors (\(GateFormat.ratio(s.errorRatio))), " + qs.joined(separator: ", "))
        }
        side("baseline", g.baseline)
        side("candidate", g.candidate)
        if let t = g.latencyTest {
            lines.append("Mann–Whitney U=\(GateFormat.fixed(t.u, 1)) z=\(GateFormat.fixed(t.z, 2)) p=\(GateFormat.pValue(t.pValue)), "
                         + "P(candidate > baseline)=\(GateFormat.fixed(t.probabilityOfSuperiority, 3))")
        }
        if let t = g.errorTest { lines.append("error ratio z=\(GateFormat.fixed(t.z, 2)) p=\(GateFormat.pValue(t.pValue))") }
        lines.append("verdict: \(g.verdict.rawValue)")
        return lines.joined(separator: "\n")
    }
}
