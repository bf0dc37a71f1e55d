/// How hard ``BlockEncoder`` searches for a smaller encoding: the encode-speed / size trade-off,
/// like a compression level. Decoding speed does not depend on it.
///
/// Measured on NAB (58 series, 8192-point blocks, 2-core VM; `README.md`, "Storage figures"):
/// ``fast`` ≈ 1.479 bytes/sample at ≈ 28 M samples/s encode, ``compact`` ≈ 1.442 at ≈ 3.6 M/s.
public enum EncodingEffort: String, Sendable, Codable, CaseIterable {
    /// Plain byte planes, mantissa transform by bit estimate, zstd level 1: for live ingest.
    case fast
    /// Also compresses a 1024-value prefix with the three best-estimated plane splits and, when
    /// their estimates are within 2×, both mantissa transforms (these trials at zstd level 7),
    /// and stores the streams at zstd level 12: for batch imports and compaction, where size
    /// matters more than encode speed.
    case compact

    /// Plane splits tried besides none (see ``BytePlanes/candidateSplits(_:bitWidth:count:)``).
    var splitCandidates: Int { self == .compact ? 3 : 0 }

    /// Values on which candidate layouts are compressed to compare them.
    var trialLength: Int { 1024 }

    /// Both mantissa transforms are tried when their bit estimates are within this ratio.
    var transformTrialRatio: Double { self == .compact ? 2 : 1 }

    /// zstd level for the column streams. For inputs this small, zstd switches to its optimal
    /// parser (which prices literals against matches) from level 11; on NAB level 12 stores
    /// 1.2 % fewer bytes than level 7, and level 19 only 0.4 % fewer again at 40 % of the speed.
    var zstdLevel: Int32 { self == .compact ? 12 : 1 }

    /// zstd level for the prefixes on which candidate layouts are compared. Trials at the final
    /// level would save another 0.16 % on NAB for 1.4× the encode time.
    var trialZstdLevel: Int32 { self == .compact ? 7 : 1 }
}
