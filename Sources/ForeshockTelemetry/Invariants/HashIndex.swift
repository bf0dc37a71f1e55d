/// A map from well-mixed 64-bit hashes to small ids, by open addressing with linear probing:
/// a lookup is a mask and usually one comparison, where a `Dictionary` would hash its key again
/// (SipHash, ≈ 20 ns). Keys must already be good hashes (the low bits pick the slot).
///
/// - Complexity: O(1) expected per lookup and insert; capacity doubles at half load.
struct HashIndex {
    private var keys: [UInt64]
    /// -1 marks an empty slot.
    private var values: [Int32]
    private(set) var count = 0

    init() {
        keys = Array(repeating: 0, count: 16)
        values = Array(repeating: -1, count: 16)
    }

    /// The id stored for `hash`, if any.
    @inline(__always)
    func find(_ hash: UInt64) -> Int32? {
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while values[slot] >= 0 {
            if keys[slot] == hash { return values[slot] }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Stores `id` (≥ 0) for `hash`, replacing what was there.
    mutating func insert(_ hash: UInt64, _ id: Int32) {
        if 2 * (count + 1) > keys.count { grow() }
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while values[slot] >= 0 {
            if keys[slot] == hash {
                values[slot] = id
                return
            }
            slot = (slot + 1) & mask
        }
        keys[slot] = hash
        values[slot] = id
        count += 1
    }

    private mutating func grow() {
        let old = zip(keys, values).filter { $0.1 >= 0 }
        keys = Array(repeating: 0, count: keys.count * 2)
        values = Array(repeating: -1, count: values.count * 2)
        count = 0
        for (hash, id) in old { insert(hash, id) }
    }
}
