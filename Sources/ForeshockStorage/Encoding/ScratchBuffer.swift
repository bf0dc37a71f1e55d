/// A growable raw buffer reused across decode calls, so that decoding a block allocates
/// nothing once the buffer has grown to the block size.
///
/// Memory returned by ``reserve(_:)`` stays valid until the next `reserve` call or until the
/// buffer is released. Not thread-safe; owned by one decoder.
final class ScratchBuffer {
    private var storage: UnsafeMutableRawBufferPointer

    init() { storage = UnsafeMutableRawBufferPointer(start: nil, count: 0) }

    deinit { storage.deallocate() }

    /// At least `count` writable bytes, 64-byte aligned.
    func reserve(_ count: Int) -> UnsafeMutableRawBufferPointer {
        if storage.count < count {
            storage.deallocate()
            storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, storage.count * 2), alignment: 64)
        }
        return UnsafeMutableRawBufferPointer(rebasing: storage[0..<count])
    }
}
