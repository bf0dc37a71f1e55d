import ForeshockTelemetry

/// The microservice system the simulator runs: services, their operations and who calls whom.
///
/// Every operation is served by a server span in its service; a call from one operation to
/// another is a client span in the caller (covering the network) around the callee's server
/// span. Latencies are log-normal per operation ("self" time, the part not spent in calls),
/// calls run one after another, so a span's duration is its self time plus its calls'.
public struct SimulatedSystem: Sendable {
    /// One operation of one service.
    public struct Operation: Sendable {
        public var service: String
        /// The span name (an HTTP route or an RPC method).
        public var name: String
        /// `code.function.name` of the handler.
        public var function: String
        /// Median self time, milliseconds, at zero load.
        public var medianMilliseconds: Double
        /// σ of log(self time).
        public var sigma: Double
        /// Probability that a call fails by itself (before incidents).
        public var errorRate: Double
        /// Calls made while serving: callee operation index and probability of making it.
        public var calls: [(operation: Int, probability: Double)]
        /// Extra attributes this operation writes (see ``SpanStreamGenerator``).
        public var role: Role

        public enum Role: Sendable { case plain, frontend, checkout, genAI }

        public init(service: String, name: String, function: String, medianMilliseconds: Double, sigma: Double,
                    errorRate: Double, calls: [(operation: Int, probability: Double)] = [], role: Role = .plain) {
            self.service = service
            self.name = name
            self.function = function
            self.medianMilliseconds = medianMilliseconds
            self.sigma = sigma
            self.errorRate = errorRate
            self.calls = calls
            self.role = role
        }
    }

    public var operations: [Operation]
    /// Entry operations (indices into ``operations``) and their share of requests (sums to 1).
    public var entries: [(operation: Int, share: Double)]
    /// The GenAI models the `genAI` operations pick from, with their shares.
    public var models: [(name: String, share: Double)]

    /// The index of operation `name` of `service`, or nil.
    public func operationIndex(service: String, name: String) -> Int? {
        operations.firstIndex { $0.service == service && $0.name == name }
    }

    /// The services, in order of first appearance.
    public var services: [String] {
        var seen: [String] = []
        for operation in operations where !seen.contains(operation.service) { seen.append(operation.service) }
        return seen
    }

    /// An online shop: `frontend` (home, product page, checkout) over `catalog`,
    /// `recommendation` (which asks an LLM through `llm-gateway`), `checkout`, `payment` and
    /// `inventory`. Nine operations, traces of 3–11 spans.
    public static let shop = SimulatedSystem(
        operations: [
            // 0…2: entry points
            Operation(service: "frontend", name: "GET /", function: "HomeController.index", medianMilliseconds: 8, sigma: 0.35,
                      errorRate: 0.0005, calls: [(3, 1), (4, 0.8)], role: .frontend),
            Operation(service: "frontend", name: "GET /product/{id}", function: "ProductController.show", medianMilliseconds: 10,
                      sigma: 0.35, errorRate: 0.0005, calls: [(3, 1), (4, 0.5)], role: .frontend),
            Operation(service: "frontend", name: "POST /checkout", function: "CheckoutController.submit", medianMilliseconds: 12,
                      sigma: 0.3, errorRate: 0.0005, calls: [(6, 1)], role: .frontend),
            // 3: catalog
            Operation(service: "catalog", name: "GetProduct", function: "CatalogService.getProduct", medianMilliseconds: 6,
                      sigma: 0.4, errorRate: 0.0002),
            // 4, 5: recommendations over an LLM
            Operation(service: "recommendation", name: "ListRecommendations", function: "Recommender.list",
                      medianMilliseconds: 15, sigma: 0.4, errorRate: 0.001, calls: [(5, 0.6)]),
            Operation(service: "llm-gateway", name: "chat", function: "Gateway.chat", medianMilliseconds: 180, sigma: 0.45,
                      errorRate: 0.002, role: .genAI),
            // 6…8: checkout, payment, inventory
            Operation(service: "checkout", name: "PlaceOrder", function: "CheckoutService.placeOrder", medianMilliseconds: 25,
                      sigma: 0.3, errorRate: 0.001, calls: [(7, 1), (8, 1)], role: .checkout),
            Operation(service: "payment", name: "Charge", function: "PaymentService.charge", medianMilliseconds: 40, sigma: 0.35,
                      errorRate: 0.002),
            Operation(service: "inventory", name: "Reserve", function: "InventoryService.reserve", medianMilliseconds: 9,
                      sigma: 0.4, errorRate: 0.0005),
        ],
        entries: [(0, 0.5), (1, 0.35), (2, 0.15)],
        models: [("gpt-4o-mini", 0.7), ("claude-3-5-haiku", 0.3)])
}
