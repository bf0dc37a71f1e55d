/// Encodings of a block's Float64 value column; every one is bit-exact for every value.
///
/// The encoder picks per block (see ``BlockEncoder``): ``decimal`` when a decimal exponent
/// makes nearly all values exact, and otherwise the smallest of ``decimal``, ``xor`` and
/// ``byteStreamSplit``; ``dictionary`` competes whenever the column has few distinct values.
public enum ValueCodec: UInt8, Sendable, CaseIterable {
    /// ``DecimalValueCodec``: integer mantissas at a decimal exponent plus corrections.
    case decimal = 1
    /// ``XORValueCodec``: Gorilla XOR bit stream.
    case xor = 2
    /// ``ByteStreamSplitCodec``: eight byte planes of the raw bits.
    case byteStreamSplit = 3
    /// ``DictionaryValueCodec``: sorted distinct values plus one index per point.
    case dictionary = 4
    /// ``PayloadCodec``: opaque byte strings, not numbers (read with
    /// ``BlockDecoder/decodePayloads(_:baseOffset:verifyChecksum:)``).
    case payload = 5

    /// Share of sampled values that must be exact at the chosen exponent for the encoder to
    /// skip trying the other codecs.
    static let decimalConfidence = 0.98

    func decode(_ reader: inout ByteReader, into output: UnsafeMutableBufferPointer<Double>,
                decoder: BlockDecoder) throws {
        switch self {
        case .decimal: try DecimalValueCodec.decode(&reader, into: output, decoder: decoder)
        case .xor: try XORValueCodec.decode(&reader, into: output, decoder: decoder)
        case .byteStreamSplit: try ByteStreamSplitCodec.decode(&reader, into: output, decoder: decoder)
        case .dictionary: try DictionaryValueCodec.decode(&reader, into: output, decoder: decoder)
        case .payload: throw StorageError.invalidArgument("a payload block holds no numbers: read it with decodePayloads")
        }
    }
}
