import CZstd

/// An error reported by libzstd, carried as a Swift error.
///
/// Every zstd call in Foreshock goes through ``ZstdCompressor`` or ``ZstdDecompressor``,
/// which check the returned code with `ZSTD_isError` and throw this instead of returning
/// an unchecked size.
public struct ZstdError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The zstd error code (`ZSTD_getErrorCode`).
    public let code: Int
    /// The operation that failed, e.g. `"ZSTD_decompressDCtx"`.
    public let operation: String
    /// zstd's own description of the error (`ZSTD_getErrorName`).
    public let message: String

    init(operation: String, result: Int) {
        self.operation = operation
        self.code = Int(ZSTD_getErrorCode(result).rawValue)
        self.message = String(cString: ZSTD_getErrorName(result))
    }

    init(operation: String, message: String) {
        self.operation = operation
        self.code = -1
        self.message = message
    }

    public var description: String { "zstd \(operation) failed: \(message)" }

    /// Returns `result` if it is not a zstd error code, else throws.
    @usableFromInline
    static func check(_ result: Int, _ operation: String) throws(ZstdError) -> Int {
        if ZSTD_isError(result) != 0 { throw ZstdError(operation: operation, result: result) }
        return result
    }
}

/// A reusable zstd compression context (`ZSTD_CCtx`).
///
/// Reusing one context across calls avoids a ~100 KB allocation per frame, which dominates
/// when compressing the small per-column streams of a block. Frames are written in zstd's
/// magicless variant (RFC 8878 frames without the 4-byte magic number; `ZSTD_f_zstd1_magicless`,
/// set through `ZSTD_c_experimentalParam2` = `ZSTD_c_format`, supported since zstd 1.3.4),
/// without the content-size field and without a checksum: the enclosing format knows the
/// sizes and carries its own CRC-32C, so those 4–12 bytes per stream would be pure overhead.
///
/// Not thread-safe: use one per thread or task.
public final class ZstdCompressor {
    private let context: OpaquePointer
    /// The compression level (zstd's scale, 1...22; negative levels are faster modes).
    public let level: Int32

    /// - Throws: ``ZstdError`` if the context cannot be created or configured.
    public init(level: Int32 = 1) throws(ZstdError) {
        guard let context = ZSTD_createCCtx() else {
            throw ZstdError(operation: "ZSTD_createCCtx", message: "out of memory")
        }
        self.context = context
        self.level = level
        _ = try ZstdError.check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level), "set level")
        _ = try ZstdError.check(ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 0), "set content size flag")
        _ = try ZstdError.check(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 0), "set checksum flag")
        _ = try ZstdError.check(ZSTD_CCtx_setParameter(context, ZSTD_c_experimentalParam2, magiclessFormat), "set magicless format")
    }

    deinit { ZSTD_freeCCtx(context) }

    /// Compresses `source` into one zstd frame appended to `output`.
    /// - Returns: the number of bytes appended.
    /// - Complexity: O(n) in the source size.
    @discardableResult
    public func compress(_ source: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) throws(ZstdError) -> Int {
        let bound = ZSTD_compressBound(source.count)
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: bound))
        var written = 0
        var failure: Int? = nil
        output.withUnsafeMutableBytes { out in
            let destination = out.baseAddress! + start
            let result = ZSTD_compress2(context, destination, bound, source.baseAddress, source.count)
            if ZSTD_isError(result) != 0 { failure = result } else { written = result }
        }
        if let failure { output.removeLast(bound); throw ZstdError(operation: "ZSTD_compress2", result: failure) }
        output.removeLast(bound - written)
        return written
    }
}

/// `ZSTD_f_zstd1_magicless`: the zstd frame format without its magic number.
private let magiclessFormat: Int32 = 1

/// A reusable zstd decompression context (`ZSTD_DCtx`) for the magicless frames that
/// ``ZstdCompressor`` writes.
///
/// Not thread-safe: use one per thread or task.
public final class ZstdDecompressor {
    private let context: OpaquePointer

    /// - Throws: ``ZstdError`` if the context cannot be created.
    public init() throws(ZstdError) {
        guard let context = ZSTD_createDCtx() else {
            throw ZstdError(operation: "ZSTD_createDCtx", message: "out of memory")
        }
        self.context = context
        let result = ZSTD_DCtx_setParameter(context, ZSTD_d_experimentalParam1, magiclessFormat)
        if ZSTD_isError(result) != 0 {
            ZSTD_freeDCtx(context)
            throw ZstdError(operation: "set magicless format", result: result)
        }
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Decompresses one frame from `source` into exactly `destination.count` bytes.
    ///
    /// The caller knows the decompressed size from the enclosing format, so the output is
    /// never larger than the buffer it provides: an untrusted frame cannot make it allocate.
    /// - Throws: ``ZstdError`` if the frame is corrupt or does not decompress to exactly
    ///   `destination.count` bytes.
    public func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(ZstdError) {
        let result = try ZstdError.check(
            ZSTD_decompressDCtx(context, destination.baseAddress, destination.count, source.baseAddress, source.count),
            "ZSTD_decompressDCtx")
        if result != destination.count {
            throw ZstdError(operation: "ZSTD_decompressDCtx",
                            message: "frame holds \(result) bytes, expected \(destination.count)")
        }
    }
}
