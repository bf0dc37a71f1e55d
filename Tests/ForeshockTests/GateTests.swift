import ForeshockTestSupport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Foreshock
import Testing

/// Test support shared by the gate and report tests.
enum GateReportFixtures {

    /// Parses XML with Foundation's `XMLParser`, counting elements and keeping their attributes.
    final class XMLElementCounter: NSObject, XMLParserDelegate {
        var counts: [String: Int] = [:]
        var attributes: [String: [[String: String]]] = [:]
        var error: String?

        /// Parses `text`; false (with ``error`` set) when it is not well-formed.
        func parse(_ text: String) -> Bool {
            let parser = XMLParser(data: Data(text.utf8))
            parser.delegate = self
            let ok = parser.parse()
            if !ok { error = "line \(parser.lineNumber): \(parser.parserError.map { "\($0)" } ?? "unknown error")" }
            return ok
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            counts[name, default: 0] += 1
            self.attributes[name, default: []].append(attributes)
        }
    }
}

/// Spans of one (service, operation) with log-normal durations (median `medianMs`, σ 0.5 in
/// log space, times `scale`) and a fraction `errorRatio` of ERROR spans.
private func syntheticSpans(service: String = "checkout", operation: String = "GET /cart", count: Int, medianMs: Double = 20,
                            scale: Double = 1, errorRatio: Double = 0, seed: UInt64) -> [Span] {
    var random = SplitMix64(seed: seed)
    let resource = SpanResource(attributes: [SpanAttribute("service.name", .string(service))])
    return (0..<count).map { i in
        // Box–Muller normal deviate.
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &random), u2 = Double.random(in: 0..<1, using: &random)
        let normal = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        let durationNanos = Int64(medianMs * scale * exp(0.5 * normal) * 1e6)
        let start: Int64 = 1_700_000_000_000_000_000 + Int64(i) * 1_000_000
        let isError = Double.random(in: 0..<1, using: &random) < errorRatio
        return Span(traceID: TraceID(high: seed, low: UInt64(i) + 1), spanID: SpanID(UInt64(i) + 1), name: operation, kind: .server,
                    startNanos: start, endNanos: start + durationNanos, status: isError ? .error : .unset, resource: resource)
    }
}

/// One span per duration (milliseconds), service `checkout`, operation `GET /cart`.
private func spans(durationsMs: [Double]) -> [Span] {
    let resource = SpanResource(attributes: [SpanAttribute("service.name", .string("checkout"))])
    return durationsMs.enumerated().map { i, ms in
        let start: Int64 = 1_700_000_000_000_000_000 + Int64(i) * 1_000_000
        return Span(traceID: TraceID(high: 1, low: UInt64(i) + 1), spanID: SpanID(UInt64(i) + 1), name: "GET /cart",
                    startNanos: start, endNanos: start + Int64(ms * 1e6), resource: resource)
    }
}

private let sharedFormats = repositoryRoot + "/../shared/formats"

@Suite struct ReleaseGateTests {
    @Test func aShiftedLatencyDistributionFails() throws {
        let baseline = syntheticSpans(count: 400, seed: 1)
        let candidate = syntheticSpans(count: 400, scale: 1.3, seed: 2)
        let report = ReleaseGate.compare(baseline: baseline, candidate: candidate)
        #expect(report.hasRegression)
        let group = try #require(report.groups.first)
        #expect(group.verdict == .regression)
        #expect(group.latencyRegressed && !group.errorRatioRegressed)
        #expect(try #require(group.latencyTest).pValue < 1e-6)
        #expect(group.quantileChanges.count == 3)
        #expect(group.quantileChanges.allSatisfy { $0.relativeChange > 0.15 })
        #expect(report.table.contains("REGRESSION"))
        #expect(report.summary.hasPrefix("FAIL: 1 of 1"))
    }

    @Test func anIdenticalDistributionPasses() throws {
        let spans = syntheticSpans(count: 400, seed: 3)
        let report = ReleaseGate.compare(baseline: spans, candidate: spans)
        #expect(!report.hasRegression)
        let group = try #require(report.groups.first)
        #expect(group.verdict == .pass)
        #expect(try #require(group.latencyTest).pValue > 0.4)
        #expect(group.quantileChanges.allSatisfy { $0.relativeChange == 0 })
        // Another draw from the same distribution passes too.
        let redraw = ReleaseGate.compare(baseline: spans, candidate: syntheticSpans(count: 400, seed: 4))
        #expect(!redraw.hasRegression)
    }

    @Test func aSignificantShiftBelowTheThresholdPasses() throws {
        // 5 % slower on 5,000 spans: highly significant, but within the 10 % allowed.
        let baseline = syntheticSpans(count: 5000, seed: 5)
        let candidate = syntheticSpans(count: 5000, scale: 1.05, seed: 6)
        let report = ReleaseGate.compare(baseline: baseline, candidate: candidate)
        let group = try #require(report.groups.first)
        #expect(try #require(group.latencyTest).pValue < 0.01)
        #expect(group.verdict == .pass)
        #expect(!report.hasRegression)
        // The same shift against a 2 % limit fails.
        var strict = ReleaseGate.Options()
        strict.maxLatencyRegression = 0.02
        #expect(ReleaseGate.compare(baseline: baseline, candidate: candidate, options: strict).hasRegression)
    }

    @Test func aLargeButInsignificantQuantileChangePasses() throws {
        // 25 spans a side, the same but for the two slowest, twice as slow in the candidate:
        // p95 and p99 double, yet two moved ranks out of 50 are no evidence of a shift.
        let durations = (0..<25).map { 10 + Double($0) }
        let slower = durations.enumerated().map { $0.offset >= 23 ? $0.element * 2 : $0.element }
        let group = try #require(ReleaseGate.compare(baseline: spans(durationsMs: durations),
                                                     candidate: spans(durationsMs: slower)).groups.first)
        #expect(group.quantileChanges.last!.relativeChange > 0.5)
        #expect(try #require(group.latencyTest).pValue > 0.1)
        #expect(group.verdict == .pass)
        #expect(group.explanation(ReleaseGate.Options()).contains("not significant"))
    }

    @Test func anErrorRateIncreaseFails() throws {
        let baseline = syntheticSpans(count: 2000, errorRatio: 0.01, seed: 9)
        let candidate = syntheticSpans(count: 2000, errorRatio: 0.04, seed: 10)
        let report = ReleaseGate.compare(baseline: baseline, candidate: candidate)
        let group = try #require(report.groups.first)
        #expect(group.verdict == .regression)
        #expect(group.errorRatioRegressed && !group.latencyRegressed)
        #expect(try #require(group.errorTest).pValue < 1e-4)
        #expect(group.explanation(report.options).contains("errors"))
        // Within 5 percentage points, it passes.
        var lenient = ReleaseGate.Options()
        lenient.maxErrorRateIncrease = 0.05
        #expect(!ReleaseGate.compare(baseline: baseline, candidate: candidate, options: lenient).hasRegression)
    }

    @Test func smallGroupsAreInsufficientDataAndGroupsInOneExportAreListed() throws {
        let baseline = syntheticSpans(count: 19, seed: 11) + syntheticSpans(operation: "old", count: 50, seed: 12)
        let candidate = syntheticSpans(count: 400, scale: 3, seed: 13) + syntheticSpans(operation: "new", count: 50, seed: 14)
        let report = ReleaseGate.compare(baseline: baseline, candidate: candidate)
        #expect(!report.hasRegression)
        #expect(report.groups.map(\.verdict) == [.insufficientData, .onlyInCandidate, .onlyInBaseline])
        #expect(report.groups[0].latencyTest == nil)
        #expect(report.summary.contains("1 insufficient data, 1 only in candidate, 1 only in baseline"))
    }

    @Test func errorsFollowTheSpanMetricsRule() {
        let resource = SpanResource(attributes: [])
        func span(_ status: SpanStatusCode, _ attributes: [SpanAttribute]) -> Span {
            Span(traceID: TraceID(high: 1, low: 1), spanID: SpanID(1), name: "op", startNanos: 1, endNanos: 2,
                 status: status, attributes: attributes, resource: resource)
        }
        #expect(ReleaseGate.isError(span(.error, [])))
        #expect(ReleaseGate.isError(span(.unset, [SpanAttribute("http.response.status_code", .int(503))])))
        #expect(ReleaseGate.isError(span(.unset, [SpanAttribute("http.status_code", .string("500"))])))
        #expect(ReleaseGate.isError(span(.unset, [SpanAttribute("rpc.grpc.status_code", .int(14))])))
        #expect(!ReleaseGate.isError(span(.unset, [SpanAttribute("http.response.status_code", .int(404))])))
        #expect(!ReleaseGate.isError(span(.ok, [SpanAttribute("http.response.status_code", .int(503))])))
        #expect(!ReleaseGate.isError(span(.unset, [])))
    }

    @Test func theRankTestIsCappedDeterministically() throws {
        var options = ReleaseGate.Options()
        options.maxTestSample = 1000
        let baseline = syntheticSpans(count: 3000, seed: 15), candidate = syntheticSpans(count: 2500, scale: 1.5, seed: 16)
        let first = ReleaseGate.compare(baseline: baseline, candidate: candidate, options: options)
        let second = ReleaseGate.compare(baseline: baseline, candidate: candidate, options: options)
        let test = try #require(first.groups.first?.latencyTest)
        #expect(test.baselineCount == 1000 && test.candidateCount == 1000)
        #expect(first.groups == second.groups)
        // Quantiles use every span.
        #expect(first.groups.first?.baseline?.count == 3000)
    }
}

@Suite struct GateStatisticsTests {
    @Test func mannWhitneyMatchesSciPyWithTies() {
        let base: [Double] = [12, 15, 11, 15, 18, 14, 13, 15, 16, 12, 11, 19, 14, 13, 12, 17, 15, 14, 13, 16]
        let cand: [Double] = [15, 17, 16, 19, 15, 21, 18, 16, 14, 20, 17, 15, 19, 22, 18, 16, 17, 15, 20, 18]
        // scipy.stats.mannwhitneyu(cand, base, alternative="greater", method="asymptotic") (SciPy 1.17.1)
        let greater = MannWhitneyU(baseline: base, candidate: cand)
        #expect(greater.u == 336.5)
        #expect(abs(greater.pValue - 0.00010585440888187263) < 1e-12)
        let less = MannWhitneyU(baseline: cand, candidate: base)
        #expect(less.u == 63.5)
        #expect(abs(less.pValue - 0.9999049639454427) < 1e-12)
        #expect(abs(greater.probabilityOfSuperiority - 336.5 / 400) < 1e-12)
    }

    @Test func mannWhitneyOfAllTiedValuesHasNoEvidence() {
        let test = MannWhitneyU(baseline: [5, 5, 5], candidate: [5, 5])
        #expect(test.pValue == 1 && test.z == 0)
        #expect(MannWhitneyU(baseline: [], candidate: [1]).pValue == 1)
    }

    @Test func twoProportionZTestMatchesTheTextbookFormula() {
        let test = TwoProportionZTest(baselineSuccesses: 10, baselineCount: 100, candidateSuccesses: 20, candidateCount: 100)
        #expect(abs(test.z - 1.9802950859533488) < 1e-12)
        #expect(abs(test.pValue - 0.02383519032808072) < 1e-12)
        #expect(TwoProportionZTest(baselineSuccesses: 0, baselineCount: 50, candidateSuccesses: 0, candidateCount: 50).pValue == 1)
    }

    @Test func optionTextIsParsedStrictly() throws {
        #expect(try ReleaseGate.Options.parsePercentage("10%", option: "x") == 0.10)
        #expect(try ReleaseGate.Options.parsePercentage(" 2.5% ", option: "x") == 0.025)
        #expect(throws: ReleaseGate.OptionError.self) { try ReleaseGate.Options.parsePercentage("10", option: "x") }
        #expect(throws: ReleaseGate.OptionError.self) { try ReleaseGate.Options.parsePercentage("-5%", option: "x") }
        #expect(try ReleaseGate.Options.parsePercentagePoints("0.5pp", option: "x") == 0.005)
        #expect(throws: ReleaseGate.OptionError.self) { try ReleaseGate.Options.parsePercentagePoints("0.5%", option: "x") }
        #expect(try ReleaseGate.Options.parseQuantiles("0.5,0.95,0.99", option: "x") == [0.5, 0.95, 0.99])
        #expect(try ReleaseGate.Options.parseQuantiles("p50, p99.9", option: "x") == [0.5, 0.999])
        #expect(throws: ReleaseGate.OptionError.self) { try ReleaseGate.Options.parseQuantiles("0,0.5", option: "x") }
        #expect(throws: ReleaseGate.OptionError.self) { try ReleaseGate.Options.parseQuantiles("p101", option: "x") }
    }
}

@Suite struct GateExportTests {
    @Test(arguments: [
        ("zipkin-v2-json", TraceExport.Format.zipkin), ("jaeger-json", .jaeger), ("otlp-json", .otlpJSON),
    ])
    func theRealSamplesAreDetectedAndPassAgainstThemselves(folder: String, format: TraceExport.Format) throws {
        let directory = sharedFormats + "/" + folder
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".json") || $0.hasSuffix(".jsonl") }
            .filter { !$0.contains("metrics") }
        #expect(!files.isEmpty)
        for file in files {
            let export = try TraceExport.read(path: directory + "/" + file)
            #expect(export.format == format, "\(file)")
            #expect(!export.spans.isEmpty)
            #expect(export.isJSONLines == file.hasSuffix(".jsonl"))
            let report = ReleaseGate.compare(baseline: export.spans, candidate: export.spans)
            #expect(!report.hasRegression, "\(file)")
        }
    }

    @Test func protobufIsDetected() throws {
        let spans = syntheticSpans(count: 30, seed: 20)
        let bytes = OTLPProtobufEncoder.encode(spans)
        let export = try TraceExport.decode(bytes, source: "req.pb")
        #expect(export.format == .otlpProtobuf)
        #expect(export.spans.count == 30)
        #expect(export.spans.map(\.durationNanos) == spans.map(\.durationNanos))
    }

    @Test func badInputsAreLocatedErrors() throws {
        #expect(throws: InputError(source: "/nonexistent/base.json", line: 0, message: "no such file")) {
            _ = try TraceExport.read(path: "/nonexistent/base.json")
        }
        let broken = Array("[\n  {\"traceId\": \"0000000000000001\", \"id\": \"0000000000000002\",\n  \"name\": oops}\n]".utf8)
        do {
            _ = try TraceExport.decode(broken, source: "z.json")
            Issue.record("a syntax error must throw")
        } catch {
            #expect(error.source == "z.json")
            #expect(error.line == 3)
        }
        #expect(throws: InputError.self) { _ = try TraceExport.decode(Array("hello".utf8), source: "x") }
        #expect(throws: InputError.self) { _ = try TraceExport.decode([], source: "x") }
        #expect(throws: InputError.self) { _ = try TraceExport.decode(Array("[]".utf8), source: "x") }
        #expect(throws: InputError.self) { _ = try TraceExport.decode(Array("{\"resourceSpans\": []}".utf8), source: "x") }
        // A format forced on the wrong content fails too.
        #expect(throws: InputError.self) {
            _ = try TraceExport.read(path: sharedFormats + "/jaeger-json/jaeger.fixture.ui_01.json", format: .zipkin)
        }
        #expect(throws: InputError.self) { _ = try TraceExport.Format.parse("csv") }
        #expect(try TraceExport.Format.parse("auto") == nil)
    }

    @Test func invalidSpansAreRejectedAndTheOthersKept() throws {
        let text = """
            [{"traceId": "0000000000000001", "id": "0000000000000002", "name": "a", "timestamp": 1700000000000000, "duration": 5,
              "localEndpoint": {"serviceName": "s"}},
             {"traceId": "xyz", "id": "0000000000000003", "name": "b", "timestamp": 1700000000000000, "duration": 5,
              "localEndpoint": {"serviceName": "s"}}]
            """
        let export = try TraceExport.decode(Array(text.utf8), source: "z.json")
        #expect(export.format == .zipkin)
        #expect(export.spans.count == 1)
        #expect(export.batch.rejected == 1)
        #expect(export.batch.errors.first?.source == "z.json")
    }
}

@Suite struct GateJUnitTests {

    @Test func junitXMLIsWellFormedWithHostileNames() throws {
        let hostile = "a<b>&\"c\" 'd' \u{1}\u{FFFE}]]>"
        let baseline = syntheticSpans(service: hostile, operation: "GET /x?<y>", count: 300, seed: 30)
            + syntheticSpans(service: "ok", operation: "fine", count: 300, seed: 31)
            + syntheticSpans(service: "tiny", operation: "t", count: 5, seed: 32)
        let candidate = syntheticSpans(service: hostile, operation: "GET /x?<y>", count: 300, scale: 2, seed: 33)
            + syntheticSpans(service: "ok", operation: "fine", count: 300, seed: 34)
            + syntheticSpans(service: "tiny", operation: "t", count: 5, seed: 35)
        let report = ReleaseGate.compare(baseline: baseline, candidate: candidate)
        let xml = report.junitXML
        let counter = GateReportFixtures.XMLElementCounter()
        #expect(counter.parse(xml), "\(counter.error ?? "")\n\(xml)")
        #expect(counter.counts["testcase"] == 3)
        #expect(counter.counts["failure"] == 1)
        #expect(counter.counts["skipped"] == 1)
        // The parser gives back the name, with the forbidden characters replaced.
        let testcase = try #require(counter.attributes["testcase"]?.first)
        #expect(testcase["classname"] == "a<b>&\"c\" 'd' \u{FFFD}\u{FFFD}]]>")
        #expect(testcase["name"] == "GET /x?<y>")
        #expect(!report.table.contains("\u{1}"), "control characters are not printed to the terminal")
    }
}

@Suite struct MannWhitneyUOnSketchesTests {
    /// The sketch form ranks buckets as tied groups: on data that is already bucket-valued it
    /// equals the exact test, and on continuous data it reaches the same verdict.
    @Test func agreesWithTheExactTest() {
        var random = SplitMix64(seed: 77)
        let baseline = (0..<3_000).map { _ in random.nextLogNormal(median: 0.1, sigma: 0.5) }
        let slower = (0..<2_000).map { _ in random.nextLogNormal(median: 0.115, sigma: 0.5) }
        let same = (0..<2_000).map { _ in random.nextLogNormal(median: 0.1, sigma: 0.5) }
        func sketch(_ values: [Double]) -> DDSketch {
            var s = DDSketch(relativeAccuracy: 0.01)
            s.add(contentsOf: values)
            return s
        }
        let exactSlower = MannWhitneyU(baseline: baseline, candidate: slower)
        let sketchSlower = MannWhitneyU(baseline: sketch(baseline), candidate: sketch(slower))
        #expect(exactSlower.pValue < 1e-6 && sketchSlower.pValue < 1e-6)
        #expect(abs(exactSlower.probabilityOfSuperiority - sketchSlower.probabilityOfSuperiority) < 0.01)
        let sketchSame = MannWhitneyU(baseline: sketch(baseline), candidate: sketch(same))
        #expect(sketchSame.pValue > 0.01)
        #expect(sketchSame.baselineCount == 3_000 && sketchSame.candidateCount == 2_000)
    }
}

@Suite struct GateAttributionTests {
    /// The candidate's errors are attributed by code origin: the AI-written half of the
    /// candidate holds all of them, and the explanation says so.
    @Test func aRegressionNamesTheCodeOriginOfItsErrors() throws {
        let baseline = syntheticSpans(count: 600, errorRatio: 0.0, seed: 5)
        var candidate = syntheticSpans(count: 600, seed: 6)
        for i in candidate.indices {
            let ai = i % 2 == 0
            candidate[i].attributes.append(SpanAttribute("code.origin", .string(ai ? "ai" : "human")))
            if ai && i % 10 == 0 { candidate[i].status = .error }
        }
        let report = ReleaseGate.compare(baseline: baseline, candidate: candidate)
        let group = try #require(report.groups.first)
        #expect(group.errorRatioRegressed)
        #expect(group.candidateAttribution?["code.origin"] == ["ai": 1])
        #expect(group.explanation(report.options).contains("candidate errors by code.origin ai 100.00%"))
    }
}
