import ForeshockTestSupport
@testable import ForeshockStorage
import Testing

@Suite("Block encoder input validation")
struct BlockEncoderValidationTests {
    /// Encodes and returns the kind of error (or "none").
    static func encodeKind(_ timestamps: [Int64], _ values: [Double]) -> String {
        thrownKind { _ = try BlockEncoder().encode(seriesID: 1, timestamps: timestamps, values: values) }
    }

    static func encodeError(_ timestamps: [Int64], _ values: [Double]) -> StorageError? {
        do {
            _ = try BlockEncoder().encode(seriesID: 1, timestamps: timestamps, values: values)
            return nil
        } catch {
            return error as? StorageError
        }
    }

    @Test func mismatchedLengthsAreInvalidArgument() {
        #expect(Self.encodeKind([1, 2, 3], [1, 2]) == "invalidArgument")
        #expect(Self.encodeKind([1], [1, 2]) == "invalidArgument")
        #expect(Self.encodeKind([], [1]) == "invalidArgument")
        #expect(Self.encodeKind([1], []) == "invalidArgument")
        #expect(Self.encodeError([1, 2, 3], [1, 2]) == .invalidArgument("3 timestamps but 2 values"))
    }

    @Test func emptyBlockIsInvalidArgument() {
        #expect(Self.encodeKind([], []) == "invalidArgument")
        let empty: [Int64] = []
        let noValues: [Double] = []
        let kind = thrownKind {
            try empty.withUnsafeBufferPointer { t in
                try noValues.withUnsafeBufferPointer { v in _ = try BlockEncoder().encode(seriesID: 1, timestamps: t, values: v) }
            }
        }
        #expect(kind == "invalidArgument")
    }

    @Test func moreThanMaxPointsIsInvalidArgument() {
        let n = BlockFormat.maxPoints + 1
        let timestamps = (0..<Int64(n)).map { $0 }
        let values = [Double](repeating: 1, count: n)
        #expect(Self.encodeKind(timestamps, values) == "invalidArgument")
    }

    @Test func unsortedTimestampsAreInvalidArgument() {
        #expect(Self.encodeKind([2, 1], [0, 0]) == "invalidArgument")
        #expect(Self.encodeKind([1, 3, 2, 4], [0, 0, 0, 0]) == "invalidArgument")
        #expect(Self.encodeKind([0, 1, 2, 3, 4, 5, 6, 7, 8, -9], (0..<10).map { _ in 0 }) == "invalidArgument")
        #expect(Self.encodeKind([Int64.max, Int64.min], [0, 0]) == "invalidArgument")
        #expect(Self.encodeKind([0, Int64.min], [0, 0]) == "invalidArgument")
        var rng = SplitMix64(seed: 5)
        for _ in 0..<50 {
            var ts = TimestampFamily.jittered.makeTimestamps(count: 200, rng: &rng)
            let i = Int.random(in: 0..<199, using: &rng)
            ts.swapAt(i, i + 1)
            #expect(Self.encodeKind(ts, ts.map { _ in 0 }) == "invalidArgument")
        }
    }

    @Test func duplicateTimestampsAreInvalidArgument() {
        #expect(Self.encodeKind([5, 5], [1, 2]) == "invalidArgument")
        #expect(Self.encodeKind([1, 2, 3, 3, 4], [1, 2, 3, 4, 5]) == "invalidArgument")
        #expect(Self.encodeKind([Int64.min, Int64.min], [1, 2]) == "invalidArgument")
        #expect(Self.encodeKind([Int64.max, Int64.max], [1, 2]) == "invalidArgument")
        guard case let .invalidArgument(message)? = Self.encodeError([10, 20, 20], [1, 2, 3]) else {
            Issue.record("expected invalidArgument")
            return
        }
        #expect(message.contains("index 2"))
    }

    /// Gaps must fit in Int64 (the column stores them as such): Int64.min then Int64.max, or any
    /// pair more than Int64.max apart, is rejected rather than silently wrapped.
    @Test func gapsOverflowingInt64AreInvalidArgument() {
        #expect(Self.encodeKind([Int64.min, Int64.max], [1, 2]) == "invalidArgument")
        #expect(Self.encodeKind([Int64.min, 0], [1, 2]) == "invalidArgument")
        #expect(Self.encodeKind([-1, Int64.max], [1, 2]) == "invalidArgument")
        #expect(Self.encodeKind([Int64.min, Int64.min + 1, Int64.max], [1, 2, 3]) == "invalidArgument")
        // Exactly Int64.max apart is fine.
        #expect(Self.encodeKind([Int64.min, -1], [1, 2]) == "none")
        #expect(Self.encodeKind([0, Int64.max], [1, 2]) == "none")
    }

    @Test func anyValuesAreAccepted() {
        let values: [Double] = ValueFamily.specialValues
        #expect(Self.encodeKind((0..<Int64(values.count)).map { $0 }, values) == "none")
    }

    @Test func aFailedEncodeLeavesTheEncoderUsable() throws {
        let encoder = try BlockEncoder()
        let decoder = try BlockDecoder()
        #expect(throws: StorageError.self) { try encoder.encode(seriesID: 1, timestamps: [2, 1], values: [1, 2]) }
        try checkRoundTrip([1, 2, 3], [0.1, 0.2, 0.3], encoder: encoder, decoder: decoder)
    }
}
