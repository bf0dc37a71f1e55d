/// The scenarios of the early-warning evaluation (`Datasets/scenarios/`, docs/DETECTION.md).
///
/// Each incident scenario runs two clean days (models learn the daily shape) before the
/// incident day; `clean-week` has no incident at all and measures false alarms. Thresholds are
/// the SLO lines an operator would draw: well above the normal daily peak.
extension SimulationScenario {
    private static let day = 1_440

    /// Every catalogued scenario, in a fixed order.
    public static let catalogue: [SimulationScenario] = [
        latencyCreep, errorCreepAfterDeploy, saturationRamp, trafficDrop, spikes, cleanWeek,
    ]

    /// The scenario called `name`, or nil.
    public static func named(_ name: String) -> SimulationScenario? {
        (catalogue + [invariantRegression]).first { $0.name == name }
    }

    /// Payment gets slower over six hours (a dependency degrading): its p99 creeps towards
    /// and through a 250 ms SLO.
    public static let latencyCreep = SimulationScenario(
        name: "latency-creep", summary: "payment Charge latency creeps ×5 over 6 h on day 3", seed: 101,
        durationMinutes: 3 * day,
        incidents: [SimulatedIncident(kind: .latencyCreep, service: "payment", operation: "Charge",
                                      startMinute: 2 * day + 9 * 60, endMinute: 2 * day + 15 * 60, magnitude: 4)],
        watches: [ScenarioWatch(service: "payment", operation: "Charge", signal: .p99Milliseconds, threshold: 250)])

    /// A release of checkout (AI-written code) whose error rate creeps up as it meets more
    /// inputs: 25 % after four hours. The SLO is 10 % over 10 minutes: at night a quiet
    /// checkout sees ~30 orders in 10 minutes, so two errors already make 6 %.
    public static let errorCreepAfterDeploy = SimulationScenario(
        name: "error-creep-after-deploy", summary: "checkout 2.0.0 (code.origin=ai) errors creep to 25 % over 4 h", seed: 102,
        durationMinutes: 3 * day,
        deploys: [SimulatedDeploy(atMinute: 2 * day + 9 * 60, service: "checkout", version: "2.0.0", codeOrigin: "ai")],
        incidents: [SimulatedIncident(kind: .errorCreep, service: "checkout", operation: "PlaceOrder",
                                      startMinute: 2 * day + 9 * 60, endMinute: 2 * day + 13 * 60, magnitude: 0.25,
                                      version: "2.0.0")],
        watches: [ScenarioWatch(service: "checkout", operation: "PlaceOrder", signal: .errorRatio, threshold: 0.1)])

    /// Inventory's CPU climbs (a leak, a hot loop) over six hours towards 90 %.
    public static let saturationRamp = SimulationScenario(
        name: "saturation-ramp", summary: "inventory CPU utilisation ramps +0.5 over 6 h", seed: 103,
        durationMinutes: 3 * day,
        incidents: [SimulatedIncident(kind: .saturationRamp, service: "inventory",
                                      startMinute: 2 * day + 8 * 60, endMinute: 2 * day + 14 * 60, magnitude: 0.5)],
        watches: [ScenarioWatch(service: "inventory", signal: .utilization, threshold: 0.9),
                  ScenarioWatch(service: "inventory", operation: "Reserve", signal: .p99Milliseconds, threshold: 90)])

    /// Product pages lose 70 % of their traffic for 45 minutes (a broken link, a CDN rule).
    public static let trafficDrop = SimulationScenario(
        name: "traffic-drop", summary: "product page traffic drops 70 % for 45 min, twice", seed: 104,
        durationMinutes: 3 * day,
        incidents: [SimulatedIncident(kind: .trafficDrop, service: "frontend", operation: "GET /product/{id}",
                                      startMinute: 2 * day + 11 * 60, endMinute: 2 * day + 11 * 60 + 45, magnitude: 0.7),
                    SimulatedIncident(kind: .trafficDrop, service: "frontend", operation: "GET /product/{id}",
                                      startMinute: 2 * day + 19 * 60, endMinute: 2 * day + 19 * 60 + 45, magnitude: 0.7)],
        watches: [ScenarioWatch(service: "frontend", operation: "GET /product/{id}", signal: .requests)])

    /// Short, sharp incidents: catalog latency ×6 for 20 minutes (twice), payment failing 20 %
    /// of charges for 15 minutes.
    public static let spikes = SimulationScenario(
        name: "spikes", summary: "catalog latency ×6 for 20 min (twice); payment errors 20 % for 15 min", seed: 105,
        durationMinutes: 3 * day,
        incidents: [SimulatedIncident(kind: .latencySpike, service: "catalog", operation: "GetProduct",
                                      startMinute: 2 * day + 10 * 60, endMinute: 2 * day + 10 * 60 + 20, magnitude: 5),
                    SimulatedIncident(kind: .latencySpike, service: "catalog", operation: "GetProduct",
                                      startMinute: 2 * day + 16 * 60, endMinute: 2 * day + 16 * 60 + 20, magnitude: 5),
                    SimulatedIncident(kind: .errorSpike, service: "payment", operation: "Charge",
                                      startMinute: 2 * day + 13 * 60, endMinute: 2 * day + 13 * 60 + 15, magnitude: 0.2)],
        watches: [ScenarioWatch(service: "catalog", operation: "GetProduct", signal: .p99Milliseconds, threshold: 100),
                  ScenarioWatch(service: "payment", operation: "Charge", signal: .errorRatio, threshold: 0.05)])

    /// A week with nothing wrong: every alert here is a false alarm.
    public static let cleanWeek = SimulationScenario(
        name: "clean-week", summary: "seven days, no incident (false alarms)", seed: 106,
        durationMinutes: 7 * day,
        watches: [ScenarioWatch(service: "frontend", operation: "GET /", signal: .p99Milliseconds, threshold: 1_500),
                  ScenarioWatch(service: "frontend", operation: "GET /", signal: .requests),
                  ScenarioWatch(service: "checkout", operation: "PlaceOrder", signal: .p99Milliseconds, threshold: 400),
                  ScenarioWatch(service: "checkout", operation: "PlaceOrder", signal: .errorRatio, threshold: 0.1),
                  ScenarioWatch(service: "payment", operation: "Charge", signal: .p99Milliseconds, threshold: 250),
                  ScenarioWatch(service: "inventory", signal: .utilization, threshold: 0.9)])

    /// A checkout release (AI-written), rolled out at 11:00 on a Monday, that gets the order total
    /// wrong by one cent on 1 % of orders while latency and errors stay flat. Spans only (the
    /// invariant tests), not exported.
    public static let invariantRegression = SimulationScenario(
        name: "invariant-regression", summary: "checkout 2.1.0 (ai) breaks total = sum − discount on 1 % of orders", seed: 107,
        startUnixSeconds: monday + 10 * 3_600, durationMinutes: 120, peakRequestsPerSecond: 20,
        deploys: [SimulatedDeploy(atMinute: 60, service: "checkout", version: "2.1.0", codeOrigin: "ai", rolloutMinutes: 10)],
        incidents: [SimulatedIncident(kind: .invariantViolation, service: "checkout", operation: "PlaceOrder",
                                      startMinute: 60, endMinute: 120, magnitude: 0.01, version: "2.1.0")],
        watches: [])
}
