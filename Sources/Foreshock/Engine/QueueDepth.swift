import Synchronization

/// The number of points in the engine's ingest queue, shared by callers and the worker.
final class QueueDepth: Sendable {
    private let depth = Mutex(0)

    /// Adds `count` if the total stays within `capacity`; false (nothing added) otherwise.
    func add(_ count: Int, capacity: Int) -> Bool {
        depth.withLock { depth in
            guard depth + count <= capacity else { return false }
            depth += count
            return true
        }
    }

    /// Removes `count` and returns the new depth.
    func remove(_ count: Int) -> Int {
        depth.withLock { depth in
            depth -= count
            return depth
        }
    }

    var current: Int { depth.withLock { $0 } }
}
