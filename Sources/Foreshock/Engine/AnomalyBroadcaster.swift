import ForeshockDetection
import Synchronization

/// Fans anomaly events out to async subscribers and callbacks, and keeps the open incidents.
///
/// Each subscriber's stream buffers at most `bufferLimit` events and drops the oldest beyond
/// that (counted): a slow consumer never blocks the engine.
final class AnomalyBroadcaster: Sendable {
    private struct State {
        var subscribers: [Int: AsyncStream<AnomalyEvent>.Continuation] = [:]
        var callbacks: [@Sendable (AnomalyEvent) -> Void] = []
        var nextID = 0
        var open: [String: Anomaly] = [:]  // by series description + incident id
        var recent: [Anomaly] = []
    }

    private let state = Mutex(State())
    private let bufferLimit: Int
    private let recentLimit = 1000

    init(bufferLimit: Int) { self.bufferLimit = bufferLimit }

    func subscribe() -> AsyncStream<AnomalyEvent> {
        let (stream, continuation) = AsyncStream<AnomalyEvent>.makeStream(bufferingPolicy: .bufferingNewest(bufferLimit))
        let id = state.withLock { state in
            state.nextID += 1
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    func addCallback(_ callback: @escaping @Sendable (AnomalyEvent) -> Void) {
        state.withLock { $0.callbacks.append(callback) }
    }

    /// Delivers an event; returns how many subscribers dropped an older event to take it.
    @discardableResult
    func publish(_ event: AnomalyEvent) -> Int {
        let (subscribers, callbacks) = state.withLock { state -> ([AsyncStream<AnomalyEvent>.Continuation], [@Sendable (AnomalyEvent) -> Void]) in
            let anomaly = event.anomaly
            let key = "\(anomaly.series)#\(anomaly.id)"
            switch event {
            case .opened, .updated: state.open[key] = anomaly
            case .closed:
                state.open.removeValue(forKey: key)
                state.recent.append(anomaly)
                if state.recent.count > recentLimit { state.recent.removeFirst(state.recent.count - recentLimit) }
            }
            return (Array(state.subscribers.values), state.callbacks)
        }
        var dropped = 0
        for subscriber in subscribers {
            if case .dropped = subscriber.yield(event) { dropped += 1 }
        }
        for callback in callbacks { callback(event) }
        return dropped
    }

    var openAnomalies: [Anomaly] { state.withLock { Array($0.open.values) }.sorted { $0.onset < $1.onset } }
    var recentAnomalies: [Anomaly] { state.withLock { $0.recent } }

    func finish() {
        let subscribers = state.withLock { state in
            let all = Array(state.subscribers.values)
            state.subscribers.removeAll()
            return all
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
