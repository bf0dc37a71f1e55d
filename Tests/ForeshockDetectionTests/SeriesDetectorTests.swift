import ForeshockTestSupport
import Foundation
import ForeshockDetection
import Testing

@Suite("SeriesDetector")
struct SeriesDetectorTests {
    @Test func baselineLearnsADailySeason() throws {
        var rng = SplitMix64(seed: 1)
        var d = try makeDetector()
        let perDay = 288
        func truth(_ i: Int) -> Double { 100 + 20 * sin(2 * Double.pi * Double(i % perDay) / Double(perDay)) }
        var errors: [Double] = []
        for i in 0..<(6 * perDay) {
            let p = d.update(timestamp: epoch + Int64(i) * fiveMinutes, value: truth(i) + rng.gaussian())
            if i >= 5 * perDay { errors.append(abs(p.expected - truth(i))) }
        }
        #expect(d.baseline?.period == perDay)
        let meanError = errors.reduce(0, +) / Double(errors.count)
        #expect(meanError < 1.0, "mean |expected − truth| = \(meanError)")
    }

    @Test func seriesWithoutSeasonKeepsNoSeasonalComponent() throws {
        var rng = SplitMix64(seed: 2)
        var d = try makeDetector()
        for i in 0..<(3 * 288) { _ = d.update(timestamp: epoch + Int64(i) * fiveMinutes, value: 50 + rng.gaussian()) }
        #expect(d.baseline?.period == 0)
    }

    @Test func outlierDoesNotDragTheBaseline() throws {
        var rng = SplitMix64(seed: 3)
        var d = try makeDetector()
        var t = epoch
        for _ in 0..<600 { _ = d.update(timestamp: t, value: 100 + rng.gaussian()); t += oneMinute }
        let before = d.baseline?.expected(at: t) ?? .nan
        let spike = d.update(timestamp: t, value: 1e6)
        t += oneMinute
        let after = d.baseline?.expected(at: t) ?? .nan
        #expect(spike.score >= 0.5)
        #expect(spike.event?.anomaly.kind == .spike)
        #expect(abs(after - before) < 0.5, "baseline moved by \(after - before)")
    }

    @Test func levelShiftIsAlertedOnceThenAdopted() throws {
        var rng = SplitMix64(seed: 4)
        var d = try makeDetector()
        var scores: [PointScore] = []
        for i in 0..<2000 {
            let v = (i < 1000 ? 100.0 : 110.0) + rng.gaussian()
            scores.append(d.update(timestamp: epoch + Int64(i) * oneMinute, value: v))
        }
        let after = Array(scores[1000...])
        #expect(after.opened.count == 1)
        #expect(after.closed.count == 1)
        #expect(after.events.contains { $0.anomaly.kind == .levelShift })
        #expect(abs(scores[1999].expected - 110) < 1)
        #expect(after.suffix(500).allSatisfy { $0.score < 0.5 })
    }

    @Test func nonFiniteValuesAndGapsDoNotPoisonState() throws {
        var rng = SplitMix64(seed: 5)
        var clean = try makeDetector()
        var dirty = try makeDetector()
        var t = epoch
        for i in 0..<1500 {
            if i == 700 { t += 86_400_000 } // a one-day gap
            let v = 10 + rng.gaussian()
            if i % 50 == 7 {
                for bad in [Double.nan, .infinity, -.infinity] {
                    let p = dirty.update(timestamp: t, value: bad)
                    #expect(!p.isValid && p.score == 0 && p.event == nil)
                }
            }
            let a = clean.update(timestamp: t, value: v)
            let b = dirty.update(timestamp: t, value: v)
            #expect(a == b)
            #expect(a.expected.isFinite && a.lower.isFinite && a.upper.isFinite)
            t += oneMinute
        }
    }

    @Test func warmupSuppressesAlertsExceptGrossOnes() throws {
        var rng = SplitMix64(seed: 6)
        var d = try makeDetector()
        var scores: [PointScore] = []
        for i in 0..<250 {
            let v: Double = switch i { case 100: 105; case 200: 200; default: 100 + rng.gaussian() }
            scores.append(d.update(timestamp: epoch + Int64(i) * oneMinute, value: v))
        }
        #expect(scores.allSatisfy { $0.isWarmingUp })
        #expect(scores[100].score == 0 && scores[100].event == nil)
        #expect(scores[200].score >= 0.5)
        #expect(scores.opened.count == 1)
        #expect(scores.opened.first?.time == epoch + 200 * oneMinute)
    }

    @Test func cusumCatchesASmallSustainedShiftThatAPointThresholdMisses() throws {
        var rng = SplitMix64(seed: 7)
        var d = try makeDetector()
        var scores: [PointScore] = []
        for i in 0..<1600 {
            let v = (i < 1000 ? 0.0 : 1.5) + rng.gaussian()
            scores.append(d.update(timestamp: epoch + Int64(i) * oneMinute, value: v))
        }
        // A fixed 5σ point threshold misses the whole shifted stretch…
        #expect(scores[1000..<1100].allSatisfy { abs($0.value) < 5 })
        // …while the change test reports a level shift within 100 points.
        let shift = Array(scores[1000..<1100]).events.first { $0.anomaly.kind == .levelShift }
        #expect(shift != nil)
        #expect(Array(scores[1000..<1600]).opened.count == 1)
    }

    @Test func predictedBreachFiresBeforeALinearCreepCrosses() throws {
        var rng = SplitMix64(seed: 8)
        var d = try makeDetector {
            $0.trendSmoothing = 0.01
            $0.staticThreshold = StaticThreshold(value: 80, side: .above, horizon: 600, confidence: 1)
        }
        var firstBreach: Anomaly?
        var crossedAt: Int64?
        for i in 0..<4000 {
            let t = epoch + Int64(i) * oneMinute
            let v = 50 + 0.01 * Double(i) + 0.2 * rng.gaussian()
            if crossedAt == nil, v >= 80 { crossedAt = t }
            let p = d.update(timestamp: t, value: v)
            if firstBreach == nil, let e = p.event, e.anomaly.kind == .predictedBreach { firstBreach = e.anomaly }
        }
        let breach = try #require(firstBreach)
        let crossing = try #require(crossedAt)
        let lead = try #require(breach.leadTime)
        #expect(lead > 0)
        #expect(breach.time < crossing)
        let predicted = breach.time + lead
        #expect(abs(predicted - crossing) < 200 * oneMinute, "predicted \(predicted), crossed \(crossing)")
    }

    @Test func oneIncidentGivesOneOpenAndOneClose() throws {
        var rng = SplitMix64(seed: 9)
        var d = try makeDetector()
        var scores: [PointScore] = []
        for i in 0..<1200 {
            let v = (800..<805).contains(i) ? 40 + rng.gaussian() : rng.gaussian()
            scores.append(d.update(timestamp: epoch + Int64(i) * oneMinute, value: v))
        }
        let events = scores[700...].compactMap(\.event)
        let opened = scores[700...].map { $0 }.opened
        #expect(opened.count == 1)
        let closed = scores[700...].map { $0 }.closed
        #expect(closed.count == 1)
        #expect(Set(events.map(\.anomaly.id)).count == 1)
        #expect(closed.first?.onset == epoch + 800 * oneMinute)
        #expect(closed.first?.time == epoch + 804 * oneMinute)
        #expect(events.count <= 3)
    }

    @Test func codableRoundTripGivesIdenticalSubsequentScores() throws {
        var rng = SplitMix64(seed: 10)
        var d = try makeDetector()
        for i in 0..<1000 { _ = d.update(timestamp: epoch + Int64(i) * fiveMinutes, value: 5 * sin(Double(i) / 20) + rng.gaussian()) }
        let data = try JSONEncoder().encode(d)
        var restored = try JSONDecoder().decode(SeriesDetector.self, from: data)
        for i in 1000..<2000 {
            let t = epoch + Int64(i) * fiveMinutes
            let v = 5 * sin(Double(i) / 20) + rng.gaussian() + (i == 1500 ? 30 : 0)
            #expect(d.update(timestamp: t, value: v) == restored.update(timestamp: t, value: v))
        }
    }

    @Test func warmFromHistoryMatchesStreamingWithoutEvents() throws {
        var rng = SplitMix64(seed: 11)
        let ts = (0..<800).map { epoch + Int64($0) * oneMinute }
        let vs = ts.map { _ in 3 + rng.gaussian() }
        var warmed = try makeDetector()
        warmed.warm(timestamps: ts, values: vs)
        var streamed = try makeDetector()
        _ = try streamed.score(timestamps: ts, values: vs)
        #expect(warmed.tracker.current == nil)
        let a = warmed.update(timestamp: epoch + 800 * oneMinute, value: 3)
        let b = streamed.update(timestamp: epoch + 800 * oneMinute, value: 3)
        #expect(a.expected == b.expected && a.score == b.score)
    }

    @Test func invalidConfigurationThrows() {
        #expect(throws: DetectionError.self) { _ = try makeDetector { $0.riskLevel = 0 } }
        #expect(throws: DetectionError.self) { _ = try makeDetector { $0.warmupLength = 3 } }
    }

    @Test func anomalyJSONHasStableKeys() throws {
        let a = Anomaly(id: 1, series: SeriesRef(name: "latency", labels: ["svc": "api"]), time: 2, onset: 1,
                        observed: 5, expected: 1, lower: 0, upper: 2, score: 0.8, severity: .critical, kind: .spike)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(a), as: UTF8.self)
        #expect(text == #"{"exemplarTraceIDs":[],"expected":1,"id":1,"kind":"spike","lower":0,"observed":5,"onset":1,"score":0.8,"series":{"labels":{"svc":"api"},"name":"latency"},"severity":"critical","time":2,"upper":2}"#)
        #expect(try JSONDecoder().decode(Anomaly.self, from: try encoder.encode(a)) == a)
    }
}
