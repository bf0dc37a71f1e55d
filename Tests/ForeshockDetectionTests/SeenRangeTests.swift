@testable import ForeshockDetection
import Testing

@Suite("SeenRange")
struct SeenRangeTests {
    @Test func extensionIsAFractionOfThePreviousRangeBeyondTheTolerance() {
        var range = SeenRange()
        #expect(range.record(5, tolerance: 0.1, direction: .both) == 0)    // nothing seen yet
        #expect(range.record(5, tolerance: 0.1, direction: .both) == 0)    // no range yet
        #expect(range.record(15, tolerance: 0.1, direction: .both) == 0)   // first range: [5, 15]
        #expect(range.record(15.5, tolerance: 0.1, direction: .both) == 0) // within 10 % of 10
        #expect(range.record(18, tolerance: 0.1, direction: .both) == 2.5 / 10.5)
        #expect(range.record(0, tolerance: 0.1, direction: .both) == 5.0 / 13)
        #expect(range.minimum == 0 && range.maximum == 18)
    }

    @Test func directionLimitsTheSideButEveryValueWidensTheRange() {
        var up = SeenRange()
        _ = up.record(0, tolerance: 0, direction: .up)
        _ = up.record(10, tolerance: 0, direction: .up)
        #expect(up.record(-5, tolerance: 0, direction: .up) == 0)
        #expect(up.minimum == -5)
        #expect(up.record(30, tolerance: 0, direction: .up) == 20.0 / 15)
        var down = SeenRange()
        _ = down.record(0, tolerance: 0, direction: .down)
        _ = down.record(10, tolerance: 0, direction: .down)
        #expect(down.record(30, tolerance: 0, direction: .down) == 0)
        #expect(down.record(-10, tolerance: 0, direction: .down) == 10.0 / 30)
    }
}
