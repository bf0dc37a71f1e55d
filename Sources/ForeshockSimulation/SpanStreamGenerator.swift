import Foundation
import ForeshockTelemetry

/// Produces the spans of a ``SimulationScenario`` running on a ``SimulatedSystem``, one second
/// of traffic at a time, deterministically from the scenario's seed.
///
/// ## The model
/// - **Traffic**: entry requests per second are Poisson with mean
///   `peak × (0.15 + 0.85 × daily) × (0.6 on weekends)`, `daily` a cosine from 0 at 04:00 UTC to
///   1 at 16:00. Each request picks an entry operation by share and walks the call graph.
/// - **Latency**: each span's self time is log-normal (operation median × (1 + 0.25 × load) ×
///   incident factors, σ of the operation); calls run in sequence, each wrapped in a client span
///   with log-normal network time (median 0.6 ms each way).
/// - **Errors**: an operation fails with its rate plus incident rates; a failed callee fails the
///   client span and, with probability 0.7, the caller too. Frontend spans carry
///   `http.response.status_code` 500/200.
/// - **Releases**: every service starts at `1.0.0` (`code.origin=human`); a deploy routes a
///   share of requests growing linearly over its rollout to the new version, whose spans carry
///   its `service.version` (resource) and `code.origin` (span).
/// - **Saturation**: each service reports `process.cpu.utilization` = 0.15 + 0.45 × load + noise
///   + ramps; above 0.7 latency grows with (u − 0.7)².
/// - **Semantics**: `checkout` spans carry `order.items_sum_cents`, `order.discount_cents` and
///   `order.total_cents` (= sum − discount, except for an `invariantViolation` share, one cent
///   off); `recommendation` spans carry `user.id` and `recommendations.count`; `llm-gateway`
///   spans carry the OpenTelemetry GenAI attributes (`gen_ai.request.model`, token usage).
///
/// Cost: O(spans); a second of traffic is built in one batch. Spans of a trace all belong to the
/// second its entry request started in (their ends may fall in the next window).
public struct SpanStreamGenerator: Sendable {
    public let system: SimulatedSystem
    public let scenario: SimulationScenario
    /// The next second to generate, from the scenario start.
    public private(set) var second: Int64 = 0
    private var random: SplitMix64
    private var resources: [String: SpanResource] = [:]
    private var spans: [Span] = []
    private let deploysByService: [String: [SimulatedDeploy]]

    /// The attribute carrying a service's CPU utilisation on its resource.
    public static let utilizationAttribute = "process.cpu.utilization"

    public init(system: SimulatedSystem = .shop, scenario: SimulationScenario) {
        self.system = system
        self.scenario = scenario
        self.random = SplitMix64(seed: scenario.seed)
        self.deploysByService = Dictionary(grouping: scenario.deploys.sorted { $0.atMinute < $1.atMinute }, by: \.service)
    }

    /// Seconds in the scenario.
    public var durationSeconds: Int64 { Int64(scenario.durationMinutes) * 60 }

    /// The spans of the next second, or nil once the scenario is over.
    public mutating func nextSecond() -> [Span]? {
        guard second < durationSeconds else { return nil }
        defer { second += 1 }
        spans.removeAll(keepingCapacity: true)
        let minute = Double(second) / 60
        let base = (scenario.startUnixSeconds + second) * 1_000_000_000
        let requests = random.nextPoisson(mean: scenario.peakRequestsPerSecond * load(atMinute: minute))
        for _ in 0..<requests {
            let entry = pickEntry()
            guard trafficReaches(entry, minute: minute) else { continue }
            let start = base + Int64(random.nextUnit() * 1e9)
            let trace = TraceID(high: random.next(), low: random.next())
            _ = serve(entry, trace: trace, parent: .zero, start: start, minute: minute)
        }
        return spans
    }

    /// Relative traffic at `minute` (1 at the weekday peak).
    public func load(atMinute minute: Double) -> Double {
        let seconds = scenario.startUnixSeconds + Int64(minute * 60)
        let hour = Double(seconds % 86_400) / 3_600
        let daily = 0.5 - 0.5 * Foundation.cos((hour - 4) / 24 * 2 * Double.pi)
        let weekday = (seconds / 86_400 + 3) % 7 // 0 = Monday (1970-01-01 was a Thursday)
        return (0.15 + 0.85 * daily) * (weekday >= 5 ? 0.6 : 1)
    }

    // MARK: - Traces

    private mutating func pickEntry() -> Int {
        var u = random.nextUnit()
        for (operation, share) in system.entries {
            u -= share
            if u < 0 { return operation }
        }
        return system.entries[system.entries.count - 1].operation
    }

    private mutating func trafficReaches(_ operation: Int, minute: Double) -> Bool {
        let drop = effect(.trafficDrop, operation: operation, version: nil, minute: minute)
        return drop <= 0 || !random.nextBool(probability: drop)
    }

    /// Emits the server span of `operation` (and everything below it); returns its end and
    /// whether it failed.
    private mutating func serve(_ index: Int, trace: TraceID, parent: SpanID, start: Int64,
                                minute: Double) -> (end: Int64, failed: Bool) {
        let operation = system.operations[index]
        let (version, origin) = release(of: operation.service, minute: minute)
        let utilization = utilization(of: operation.service, minute: minute)
        var factor = (1 + 0.25 * load(atMinute: minute))
            * (1 + effect(.latencyCreep, operation: index, version: version, minute: minute))
            * (1 + effect(.latencySpike, operation: index, version: version, minute: minute))
        if utilization > 0.7 { factor *= 1 + 40 * (utilization - 0.7) * (utilization - 0.7) }
        let selfNanos = Int64(random.nextLogNormal(median: operation.medianMilliseconds * factor, sigma: operation.sigma) * 1e6)
        let spanID = SpanID(random.next() | 1)

        var cursor = start + selfNanos / 2
        var failed = random.nextBool(probability: operation.errorRate
            + effect(.errorCreep, operation: index, version: version, minute: minute)
            + effect(.errorSpike, operation: index, version: version, minute: minute))
        for (callee, probability) in operation.calls where random.nextBool(probability: probability) {
            guard trafficReaches(callee, minute: minute) else { continue }
            let clientID = SpanID(random.next() | 1)
            let outbound = Int64(random.nextLogNormal(median: 0.6, sigma: 0.3) * 1e6)
            let (calleeEnd, calleeFailed) = serve(callee, trace: trace, parent: clientID, start: cursor + outbound, minute: minute)
            let clientEnd = calleeEnd + Int64(random.nextLogNormal(median: 0.6, sigma: 0.3) * 1e6)
            let callee = system.operations[callee]
            spans.append(Span(traceID: trace, spanID: clientID, parentSpanID: spanID, name: callee.name, kind: .client,
                              startNanos: cursor, endNanos: clientEnd, status: calleeFailed ? .error : .unset,
                              attributes: [SpanAttribute("rpc.service", .string(callee.service)),
                                           SpanAttribute("server.address", .string(callee.service)),
                                           SpanAttribute("code.function.name", .string(operation.function))],
                              resource: resource(operation.service, version, utilization), scopeName: "shop.rpc"))
            cursor = clientEnd
            if calleeFailed, random.nextBool(probability: 0.7) { failed = true }
        }
        let end = cursor + selfNanos - selfNanos / 2
        spans.append(Span(traceID: trace, spanID: spanID, parentSpanID: parent, name: operation.name, kind: .server,
                          startNanos: start, endNanos: end, status: failed ? .error : .unset,
                          statusMessage: failed ? "simulated failure" : "",
                          attributes: attributes(of: operation, index: index, version: version, origin: origin,
                                                 failed: failed, minute: minute),
                          resource: resource(operation.service, version, utilization), scopeName: "shop.server"))
        return (end, failed)
    }

    private mutating func attributes(of operation: SimulatedSystem.Operation, index: Int, version: String, origin: String,
                                     failed: Bool, minute: Double) -> [SpanAttribute] {
        var attributes = [
            SpanAttribute("code.function.name", .string(operation.function)),
            SpanAttribute("code.origin", .string(origin)),
        ]
        switch operation.role {
        case .plain:
            attributes.append(SpanAttribute("rpc.system", .string("grpc")))
            attributes.append(SpanAttribute("rpc.method", .string(operation.name)))
            attributes.append(SpanAttribute("rpc.grpc.status_code", .int(failed ? 13 : 0)))
        case .frontend:
            let parts = operation.name.split(separator: " ", maxSplits: 1)
            attributes.append(SpanAttribute("http.request.method", .string(String(parts.first ?? ""))))
            attributes.append(SpanAttribute("http.route", .string(String(parts.last ?? ""))))
            attributes.append(SpanAttribute("http.response.status_code", .int(failed ? 500 : 200)))
            attributes.append(SpanAttribute("url.scheme", .string("https")))
            attributes.append(SpanAttribute("user_agent.original", .string("Mozilla/5.0 (simulated)")))
        case .checkout:
            let items = 1 + random.nextPoisson(mean: 1.5)
            var sum: Int64 = 0
            for _ in 0..<items { sum += Int64(random.nextLogNormal(median: 2_500, sigma: 0.8).rounded()) }
            let discount: Int64 = random.nextBool(probability: 0.2) ? sum / 10 : 0
            var total = sum - discount
            let violation = effect(.invariantViolation, operation: index, version: version, minute: minute)
            if violation > 0, random.nextBool(probability: violation) { total -= 1 }
            attributes.append(SpanAttribute("order.items_count", .int(Int64(items))))
            attributes.append(SpanAttribute("order.items_sum_cents", .int(sum)))
            attributes.append(SpanAttribute("order.discount_cents", .int(discount)))
            attributes.append(SpanAttribute("order.total_cents", .int(total)))
            attributes.append(SpanAttribute("order.currency", .string("EUR")))
        case .genAI:
            var u = random.nextUnit()
            var model = system.models[system.models.count - 1].name
            for (name, share) in system.models {
                u -= share
                if u < 0 { model = name; break }
            }
            attributes.append(SpanAttribute("gen_ai.operation.name", .string("chat")))
            attributes.append(SpanAttribute("gen_ai.request.model", .string(model)))
            attributes.append(SpanAttribute("gen_ai.usage.input_tokens", .int(Int64(random.nextLogNormal(median: 600, sigma: 0.4)))))
            attributes.append(SpanAttribute("gen_ai.usage.output_tokens", .int(Int64(random.nextLogNormal(median: 120, sigma: 0.5)))))
        }
        if operation.service == "recommendation" {
            attributes.append(SpanAttribute("user.id", .string("u\(random.next() % 50_000)")))
            attributes.append(SpanAttribute("recommendations.count", .int(failed ? 0 : 5)))
        }
        return attributes
    }

    // MARK: - Releases, utilisation, incidents

    /// The version serving one request of `service` at `minute`, and its code origin.
    private mutating func release(of service: String, minute: Double) -> (version: String, origin: String) {
        var current = (version: "1.0.0", origin: "human")
        for deploy in deploysByService[service] ?? [] where Double(deploy.atMinute) <= minute {
            let progress = (minute - Double(deploy.atMinute)) / Double(max(1, deploy.rolloutMinutes))
            if progress >= 1 || random.nextBool(probability: progress) {
                current = (deploy.version, deploy.codeOrigin)
            }
        }
        return current
    }

    private mutating func utilization(of service: String, minute: Double) -> Double {
        var ramp = 0.0
        for incident in scenario.incidents where incident.kind == .saturationRamp && incident.service == service {
            ramp += incident.effect(atMinute: minute)
        }
        // The noise is per minute (a utilisation gauge is sampled, not per request).
        var serviceHash: UInt64 = 0xCBF2_9CE4_8422_2325 // FNV-1a
        for byte in service.utf8 { serviceHash = (serviceHash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        var noise = SplitMix64(seed: scenario.seed ^ serviceHash ^ UInt64(Int(minute)) &* 0x9E37_79B9_7F4A_7C15)
        let value = 0.15 + 0.45 * load(atMinute: minute) + ramp + 0.02 * noise.nextGaussian()
        return min(1, max(0, value))
    }

    private func effect(_ kind: SimulatedIncident.Kind, operation index: Int, version: String?, minute: Double) -> Double {
        let operation = system.operations[index]
        var total = 0.0
        for incident in scenario.incidents where incident.kind == kind && incident.service == operation.service {
            if let name = incident.operation, name != operation.name { continue }
            if let only = incident.version, only != version { continue }
            total += incident.effect(atMinute: minute)
        }
        return total
    }

    /// The resource of `service` at `version` reporting `utilization` (rounded to 0.01, so at
    /// most 101 resources per service and version).
    private mutating func resource(_ service: String, _ version: String, _ utilization: Double) -> SpanResource {
        let percent = Int((utilization * 100).rounded())
        let key = "\(service)|\(version)|\(percent)"
        if let cached = resources[key] { return cached }
        let made = SpanResource(attributes: [
            SpanAttribute("service.name", .string(service)),
            SpanAttribute("service.namespace", .string("shop")),
            SpanAttribute("service.version", .string(version)),
            SpanAttribute("service.instance.id", .string("\(service)-\(version)")),
            SpanAttribute("deployment.environment.name", .string("production")),
            SpanAttribute("telemetry.sdk.language", .string("swift")),
            SpanAttribute(Self.utilizationAttribute, .double(Double(percent) / 100)),
        ])
        resources[key] = made
        return made
    }
}
