import ForeshockDetection
import ForeshockTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct LocalTimeSeasonTests {
    /// A day-shaped series that follows local time in a zone that moves from UTC+1 to UTC+2 on
    /// day 8 (a daylight-saving change): with the zone configured the detector keeps the day's
    /// shape through the change; on UTC phases the whole day arrives an hour early and the
    /// morning ramp is raised as anomalous.
    @Test func theDaylightSavingChangeDoesNotShiftALocalTimeSeason() throws {
        let hour: Int64 = 3_600_000
        let change = epoch + 8 * 24 * hour
        let zone = UTCOffsets(initialOffset: hour, transitions: [change], offsets: [2 * hour])
        #expect(zone.local(change - 1) == change - 1 + hour && zone.local(change) == change + 2 * hour)
        func incidents(localTime: UTCOffsets?) throws -> Int {
            var rng = SplitMix64(seed: 9)
            var detector = try makeDetector {
                $0.seasonality = .period(milliseconds: 86_400_000)
                $0.warmupLength = 1_440
                $0.localTime = localTime
            }
            var opened = 0
            for minute in 0..<(12 * 1_440) {
                let t = epoch + Int64(minute) * oneMinute
                let localHour = Double((zone.local(t) / oneMinute) % 1_440) / 60
                let value = 100 + 80 * max(0, sin((localHour - 6) / 16 * .pi)) + 2 * rng.nextGaussian()
                if case .opened = detector.update(timestamp: t, value: value).event, t >= change { opened += 1 }
            }
            return opened
        }
        let utc = try incidents(localTime: nil)
        let local = try incidents(localTime: zone)
        #expect(utc >= 1, "on UTC phases the shifted day is anomalous (\(utc) incidents)")
        #expect(local == 0, "on local phases the change is invisible (\(local) incidents)")
    }

    @Test func aMalformedTableIsRejected() {
        #expect(throws: DetectionError.self) {
            _ = try makeDetector { $0.localTime = UTCOffsets(initialOffset: 0, transitions: [2, 1], offsets: [0, 0]) }
        }
        #expect(throws: DetectionError.self) {
            _ = try makeDetector { $0.localTime = UTCOffsets(initialOffset: 20 * 3_600_000) }
        }
    }
}
