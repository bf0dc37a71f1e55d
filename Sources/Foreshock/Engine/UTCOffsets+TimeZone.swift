import ForeshockDetection
import Foundation

extension UTCOffsets {
    /// The offsets of the IANA time zone `identifier` (e.g. `Europe/Berlin`) from 1990 to 2060,
    /// from the system's time-zone database; nil for an unknown zone.
    public static func timeZone(_ identifier: String) -> UTCOffsets? {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        var date = Date(timeIntervalSince1970: 631_152_000)  // 1990-01-01
        let end = Date(timeIntervalSince1970: 2_871_763_200)  // 2061-01-01
        let initial = Int64(zone.secondsFromGMT(for: date)) * 1000
        var transitions: [Int64] = [], offsets: [Int64] = []
        while let next = zone.nextDaylightSavingTimeTransition(after: date), next < end, transitions.count < 1_000 {
            transitions.append(Int64((next.timeIntervalSince1970 * 1000).rounded()))
            offsets.append(Int64(zone.secondsFromGMT(for: next)) * 1000)
            date = next
        }
        return UTCOffsets(initialOffset: initial, transitions: transitions, offsets: offsets)
    }
}
