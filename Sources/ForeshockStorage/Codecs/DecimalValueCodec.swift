/// Decimal scaling of Float64 values to integer mantissas, with an exact per-value correction.
///
/// Many metrics are decimals with few digits (`0.134`, `51.846`) or integers. For an exponent
/// `e`, each value is stored as the integer `m = round(v · 10^e)` plus a correction
/// `c = bits(v) − bits(Double(m) / 10^e)` (the difference of the IEEE bit patterns as Int64).
/// Division by an exact power of ten is correctly rounded, so `c` is 0 whenever `v` is the
/// double nearest to a decimal with at most `e` digits, and ±1–2 for the binary artefacts that
/// CSV exports are full of (`0.20199999999999999`). Any value — NaN with payload, ±Inf, −0.0,
/// subnormals, huge magnitudes — round-trips bit-exactly: when `m` cannot be formed, the
/// previous mantissa is reused and the correction carries the whole difference.
///
/// Layout (after the block's value-codec id): `u8 e` · `u8 transform` (0 frame of reference,
/// 1 delta) · `varint zigzag(reference)` · ``BytePlanes`` of the
/// transformed mantissas · `u8 correction packing` (0 all zero, 2 two-bit, 4 four-bit,
/// 8 varint) · a correction stream unless packing is 0.
///
/// The same idea as VictoriaMetrics' decimal encoding; the correction column replaces its
/// fallback to raw doubles, which is the single largest gain on the NAB corpus.
enum DecimalValueCodec {
    static let maxExponent = 18
    /// 10^e for e in 0...18; every entry is exactly representable.
    static let powersOfTen: [Double] = (0...maxExponent).map { e in
        var p = 1.0
        for _ in 0..<e { p *= 10 }
        return p
    }
    /// Mantissas must stay exactly representable as Double.
    static let mantissaLimit = 9_007_199_254_740_992.0  // 2^53

    /// `x` rounded to an integer (ties to even below 2^51, away from zero above), without a
    /// libm call on the default x86-64 target: adding and subtracting 1.5 · 2^52 leaves no
    /// fraction bits. The decoder never repeats this rounding (mantissas are stored), so the
    /// tie rule only affects which correction a value gets.
    @inline(__always)
    static func roundToInteger(_ x: Double) -> Double {
        let magic = 6_755_399_441_055_744.0  // 1.5 · 2^52
        return abs(x) < 2_251_799_813_685_248.0 ? (x + magic) - magic : x.rounded()  // 2^51
    }

    /// Picks the exponent with the smallest estimated encoded size on a sample of up to 512
    /// consecutive values, and reports the share of sampled values exact to within ±2 units in
    /// the last place at that exponent.
    ///
    /// The estimate counts, per value, the significant bits of the transformed mantissa (the
    /// cheaper in total of frame-of-reference and delta) plus 3 + the bits of every nonzero correction
    /// (64 for a value that cannot be scaled). Counting only exact values would favour huge
    /// exponents, at which every double is "exact" with a mantissa as long as its own bits.
    /// - Complexity: O(19 × min(n, 512)).
    static func chooseExponent(_ values: UnsafeBufferPointer<Double>) -> (exponent: Int, nearShare: Double) {
        let sampleCount = min(values.count, 512)
        guard sampleCount > 0 else { return (0, 1) }
        var best = (exponent: 0, cost: Int.max, near: 0)
        for e in 0...maxExponent {
            let scale = powersOfTen[e]
            var near = 0
            var correctionBits = 0
            var deltaBits = 0
            var minimum = Int64.max
            var previous: Int64 = 0
            var sampled: [Int64] = []
            sampled.reserveCapacity(sampleCount)
            for k in 0..<sampleCount {
                let v = values[k]
                let scaled = roundToInteger(v * scale)
                guard abs(scaled) < mantissaLimit else {
                    correctionBits += 64
                    continue
                }
                let m = Int64(scaled)
                let c = Int64(bitPattern: v.bitPattern &- (scaled / scale).bitPattern)
                if c != 0 { correctionBits += 67 - zigzagEncode(c).leadingZeroBitCount }
                if c >= -2 && c <= 2 { near += 1 }
                if k > 0 { deltaBits += 64 - zigzagEncode(m &- previous).leadingZeroBitCount }
                previous = m
                minimum = min(minimum, m)
                sampled.append(m)
            }
            var frameBits = 0
            for m in sampled { frameBits += 64 - UInt64(bitPattern: m &- minimum).leadingZeroBitCount }
            let cost = min(frameBits, deltaBits) + correctionBits
            if cost < best.cost { best = (e, cost, near) }
            if near == sampleCount && correctionBits == 0 { break }  // larger exponents only add bits
            if e >= best.exponent + 3 && best.near == sampleCount { break }  // past the exact exponent, cost only grows
        }
        return (best.exponent, Double(best.near) / Double(sampleCount))
    }

    static func encode(_ values: UnsafeBufferPointer<Double>, exponent e: Int, to writer: inout ByteWriter,
                       encoder: BlockEncoder) throws {
        let n = values.count
        let scale = powersOfTen[e]
        var mantissas = [Int64](repeating: 0, count: n)
        var corrections = [UInt64](repeating: 0, count: n)
        var previous: Int64 = 0
        var maxCorrection: UInt64 = 0
        for i in 0..<n {
            let v = values[i]
            let scaled = roundToInteger(v * scale)
            let m = abs(scaled) < mantissaLimit ? Int64(scaled) : previous
            mantissas[i] = m
            previous = m
            let c = zigzagEncode(Int64(bitPattern: v.bitPattern &- (Double(m) / scale).bitPattern))
            corrections[i] = c
            maxCorrection = max(maxCorrection, c)
        }
        // Frame of reference suits bounded noise; delta suits smooth or trending series.
        // Estimate both by the summed significant bits.
        var minimum = Int64.max
        var deltaBits = 0
        var last = mantissas.first ?? 0
        for m in mantissas {
            minimum = min(minimum, m)
            deltaBits += 64 - zigzagEncode(m &- last).leadingZeroBitCount
            last = m
        }
        var frameBits = 0
        for m in mantissas { frameBits += 64 - UInt64(bitPattern: m &- minimum).leadingZeroBitCount }
        // When the estimates are close (per the effort), try both on a prefix and keep the smaller.
        let ratio = encoder.effort.transformTrialRatio
        var candidates: [UInt8] = []
        if Double(frameBits) <= Double(deltaBits) * ratio { candidates.append(0) }
        if Double(deltaBits) < Double(frameBits) * ratio || candidates.isEmpty { candidates.append(1) }
        let trialLength = n > 2 * encoder.effort.trialLength ? encoder.effort.trialLength : n
        var words = [UInt64](repeating: 0, count: n)
        func transformWords(_ transform: UInt8, count: Int) {
            var prior = mantissas[0]
            for i in 0..<count {
                words[i] = transform == 0 ? UInt64(bitPattern: mantissas[i] &- minimum) : zigzagEncode(mantissas[i] &- prior)
                prior = mantissas[i]
            }
        }
        var best = (transform: candidates[0], split: 0, bytes: Int.max)
        for transform in candidates {
            transformWords(transform, count: trialLength)
            // With one candidate and no split to try, there is nothing to compare.
            guard candidates.count > 1 || encoder.effort.splitCandidates > 0 else { break }
            let planned = try words.withUnsafeBufferPointer { w in
                try BytePlanes.plan(UnsafeBufferPointer(rebasing: w[0..<trialLength]), candidates: max(1, encoder.effort.splitCandidates),
                                    compressor: encoder.trialCompressor, scratch: &encoder.planeScratch)
            }
            let split = encoder.effort.splitCandidates > 0 ? planned.split : 0
            if planned.bytes < best.bytes { best = (transform, split, planned.bytes) }
        }
        transformWords(best.transform, count: n)
        writer.write(UInt8(e))
        writer.write(best.transform)
        writer.writeVarint(zigzagEncode(best.transform == 0 ? minimum : mantissas[0]))
        try words.withUnsafeBufferPointer { w in
            try BytePlanes.write(w, split: best.split, to: &writer, compressor: encoder.compressor, scratch: &encoder.planeScratch)
        }
        try CorrectionColumn.write(corrections, maximum: maxCorrection, to: &writer, compressor: encoder.compressor)
    }

    static func decode(_ reader: inout ByteReader, into output: UnsafeMutableBufferPointer<Double>,
                       decoder: BlockDecoder) throws {
        let n = output.count
        let start = reader.absolutePosition
        let e = Int(try reader.readByte("decimal exponent"))
        guard e <= maxExponent else { throw StorageError.corrupt(what: "decimal exponent \(e)", offset: start) }
        let transform = try reader.readByte("decimal transform")
        guard transform <= 1 else { throw StorageError.unknownCodec(what: "decimal transform", id: Int(transform)) }
        let reference = zigzagDecode(try reader.readVarint("decimal reference"))
        let words = decoder.words(n)
        let bound = try BytePlanes.read(&reader, into: words, "mantissa", scratch: decoder.streamScratch,
                                        decompressor: decoder.decompressor)
        let scale = powersOfTen[e]
        if transform == 0 {
            // m = ref + w with 0 ≤ w < 2^bound, so the planes' width bounds every mantissa.
            let r = UInt64(bitPattern: reference)
            for i in 0..<n { words[i] = r &+ words[i] }
            let exactlyConvertible = bound <= 52 && reference >= -(1 << 51) && reference <= (1 << 51) - (1 << Int64(bound))
            divide(words, by: scale, into: output, exactlyConvertible: exactlyConvertible)
        } else {
            // A serial prefix sum: convert each mantissa as it is produced, then divide.
            var m = reference
            for i in 0..<n {
                m = m &+ zigzagDecode(words[i])
                output[i] = Double(m)
            }
            divideInPlace(output, by: scale)
        }
        try CorrectionColumn.apply(&reader, to: output, decoder: decoder)
    }

    /// `output[i] = Double(Int64(bitPattern: mantissas[i])) / scale`.
    ///
    /// The default x86-64 target has no packed Int64→Double conversion (that is AVX-512DQ), so
    /// when every mantissa lies in [−2^51, 2^51) the conversion uses the exact bias trick:
    /// adding the bits of 1.5 · 2^52 to the integer gives the double `1.5 · 2^52 + m`, from which
    /// 1.5 · 2^52 is subtracted; integer add and float subtract vectorise everywhere. Otherwise
    /// the conversion is scalar (correctly rounded, as the format requires).
    private static func divide(_ mantissas: UnsafeMutableBufferPointer<UInt64>, by scale: Double,
                               into output: UnsafeMutableBufferPointer<Double>, exactlyConvertible: Bool) {
        let n = output.count
        guard exactlyConvertible, let source = UnsafeRawPointer(mantissas.baseAddress),
              let destination = UnsafeMutableRawPointer(output.baseAddress) else {
            for i in 0..<n { output[i] = Double(Int64(bitPattern: mantissas[i])) }
            divideInPlace(output, by: scale)
            return
        }
        let divisor = SIMD8<Double>(repeating: scale)
        let biasBits = SIMD8<UInt64>(repeating: 0x4338_0000_0000_0000)
        let bias = SIMD8<Double>(repeating: 6_755_399_441_055_744.0)
        var i = 0
        while i + 8 <= n {
            let m = source.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<UInt64>.self)
            let biased = unsafeBitCast(m &+ biasBits, to: SIMD8<Double>.self)
            destination.storeBytes(of: (biased - bias) / divisor, toByteOffset: i * 8, as: SIMD8<Double>.self)
            i += 8
        }
        while i < n {
            output[i] = Double(Int64(bitPattern: mantissas[i])) / scale
            i += 1
        }
    }

    /// `values[i] /= scale`, eight lanes at a time (IEEE division, so bit-identical to scalar).
    private static func divideInPlace(_ values: UnsafeMutableBufferPointer<Double>, by scale: Double) {
        let n = values.count
        guard let base = UnsafeMutableRawPointer(values.baseAddress) else { return }
        let divisor = SIMD8<Double>(repeating: scale)
        var i = 0
        while i + 8 <= n {
            let v = base.loadUnaligned(fromByteOffset: i * 8, as: SIMD8<Double>.self)
            base.storeBytes(of: v / divisor, toByteOffset: i * 8, as: SIMD8<Double>.self)
            i += 8
        }
        while i < n {
            values[i] /= scale
            i += 1
        }
    }
}

/// The per-value corrections of ``DecimalValueCodec``: zigzag Int64 bit-pattern differences,
/// usually 0. Packed four to a byte (2 bits) or two to a byte (4 bits) when they fit, because a
/// byte-wise entropy coder cannot spend less than one bit per byte; varints otherwise.
enum CorrectionColumn {
    static func write(_ corrections: [UInt64], maximum: UInt64, to writer: inout ByteWriter,
                      compressor: ZstdCompressor) throws {
        let n = corrections.count
        if maximum == 0 {
            writer.write(UInt8(0))
            return
        }
        var bytes: [UInt8] = []
        if maximum < 16 {
            let bitsPer = maximum < 4 ? 2 : 4
            let perByte = 8 / bitsPer
            bytes = [UInt8](repeating: 0, count: (n + perByte - 1) / perByte)
            for i in 0..<n {
                bytes[i / perByte] |= UInt8(corrections[i]) << UInt8((i % perByte) * bitsPer)
            }
            writer.write(UInt8(bitsPer))
        } else {
            corrections.withUnsafeBufferPointer { appendVarints($0, to: &bytes) }
            writer.write(UInt8(8))
        }
        try ColumnStream.write(bytes, to: &writer, compressor: compressor)
    }

    /// Reads the correction column and adds it to the bit patterns of `output`.
    static func apply(_ reader: inout ByteReader, to output: UnsafeMutableBufferPointer<Double>,
                      decoder: BlockDecoder) throws {
        let n = output.count
        let start = reader.absolutePosition
        let packing = try reader.readByte("correction packing")
        switch packing {
        case 0:
            return
        case 2, 4:
            let bitsPer = Int(packing)
            let length = SmallIntegerPacking.byteCount(n, bits: bitsPer)
            let bytes = try ColumnStream.read(&reader, "corrections", expectedLength: length, limit: length,
                                              scratch: decoder.streamScratch, decompressor: decoder.decompressor)
            SmallIntegerPacking.forEachValue(skippingZeroChunks: bytes, count: n, bits: bitsPer) { i, code in
                output[i] = corrected(output[i], code: code)
            }
        case 8:
            let bytes = try ColumnStream.read(&reader, "corrections", limit: 10 * n,
                                              scratch: decoder.streamScratch, decompressor: decoder.decompressor)
            let codes = decoder.words(n)
            try decodeVarints(bytes, into: codes, "corrections", offset: start)
            for i in 0..<n where codes[i] != 0 { output[i] = corrected(output[i], code: codes[i]) }
        default:
            throw StorageError.unknownCodec(what: "correction packing", id: Int(packing))
        }
    }

    @inline(__always) static func corrected(_ value: Double, code: UInt64) -> Double {
        Double(bitPattern: value.bitPattern &+ UInt64(bitPattern: zigzagDecode(code)))
    }
}
