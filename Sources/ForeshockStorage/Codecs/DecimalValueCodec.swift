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

    /// Picks the exponent with the smallest estimated encoded size on a sample of up to 1024
    /// consecutive values, and reports the share of sampled values exact to within ±2 units in
    /// the last place at that exponent.
    ///
    /// The estimate counts, per value, the significant bits of the transformed mantissa (the
    /// cheaper in total of frame-of-reference and delta) plus 3 + the bits of every nonzero correction
    /// (64 for a value that cannot be scaled). Counting only exact values would favour huge
    /// exponents, at which every double is "exact" with a mantissa as long as its own bits.
    /// - Complexity: O(19 × min(n, 1024)).
    static func chooseExponent(_ values: UnsafeBufferPointer<Double>) -> (exponent: Int, nearShare: Double) {
        let sampleCount = min(values.count, 1024)
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
                let scaled = (v * scale).rounded()
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
            let scaled = (v * scale).rounded()
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
        // When the estimates are close, encode both and keep the smaller.
        var candidates: [UInt8] = []
        if Double(frameBits) <= Double(deltaBits) * 2 { candidates.append(0) }
        if Double(deltaBits) <= Double(frameBits) * 2 { candidates.append(1) }
        var best: (transform: UInt8, reference: Int64, planes: [UInt8])? = nil
        var words = [UInt64](repeating: 0, count: n)
        for transform in candidates {
            let reference = transform == 0 ? minimum : mantissas[0]
            var prior = reference
            for i in 0..<n {
                words[i] = transform == 0 ? UInt64(bitPattern: mantissas[i] &- minimum) : zigzagEncode(mantissas[i] &- prior)
                prior = mantissas[i]
            }
            var planes = ByteWriter()
            try words.withUnsafeBufferPointer { (w) throws in
                try BytePlanes.write(w, to: &planes, compressor: encoder.compressor, scratch: &encoder.planeScratch)
            }
            if best.map({ planes.count < $0.planes.count }) ?? true { best = (transform, reference, planes.bytes) }
        }
        guard let best else { throw StorageError.invalidArgument("no mantissa transform") }
        writer.write(UInt8(e))
        writer.write(best.transform)
        writer.writeVarint(zigzagEncode(best.reference))
        writer.write(contentsOf: best.planes)
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
        try BytePlanes.read(&reader, into: words, "mantissa", scratch: decoder.streamScratch,
                            decompressor: decoder.decompressor)
        let scale = powersOfTen[e]
        // Undo the transform in place: words become the mantissas' bit patterns.
        if transform == 0 {
            let r = UInt64(bitPattern: reference)
            for i in 0..<n { words[i] = r &+ words[i] }
        } else {
            var m = reference
            for i in 0..<n {
                m = m &+ zigzagDecode(words[i])
                words[i] = UInt64(bitPattern: m)
            }
        }
        divide(words, by: scale, into: output)
        try CorrectionColumn.apply(&reader, to: output, decoder: decoder)
    }

    /// `output[i] = Double(Int64(bitPattern: mantissas[i])) / scale`, four lanes at a time.
    private static func divide(_ mantissas: UnsafeMutableBufferPointer<UInt64>, by scale: Double,
                              into output: UnsafeMutableBufferPointer<Double>) {
        let n = output.count
        guard let source = UnsafeRawPointer(mantissas.baseAddress),
              let destination = UnsafeMutableRawPointer(output.baseAddress) else { return }
        let divisor = SIMD4<Double>(repeating: scale)
        var i = 0
        while i + 4 <= n {
            let m = source.loadUnaligned(fromByteOffset: i * 8, as: SIMD4<Int64>.self)
            destination.storeBytes(of: SIMD4<Double>(m) / divisor, toByteOffset: i * 8, as: SIMD4<Double>.self)
            i += 4
        }
        while i < n {
            output[i] = Double(Int64(bitPattern: mantissas[i])) / scale
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
            let perByte = 8 / bitsPer
            let length = (n + perByte - 1) / perByte
            let bytes = try ColumnStream.read(&reader, "corrections", expectedLength: length, limit: length,
                                              scratch: decoder.streamScratch, decompressor: decoder.decompressor)
            let mask = UInt8((1 << bitsPer) - 1)
            for i in 0..<n {
                let code = (bytes[i / perByte] >> UInt8((i % perByte) * bitsPer)) & mask
                if code != 0 { output[i] = corrected(output[i], code: UInt64(code)) }
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
