/// Named starting points. Each is one fixed configuration measured on a whole corpus, not
/// tuned per series (docs/DETECTION.md has the figures and the commands).
extension DetectorConfiguration {
    /// The NAB configuration (the defaults of ``init()``): alert scores ranked by the NAB
    /// scorer, which rewards early detection and tolerates many low-score alarms.
    public static let nab = DetectorConfiguration()

    /// For paging on operations data (the early-warning scenarios of `Datasets/scenarios`):
    /// rarer alarms (risk level 3·10⁻⁵), a change test that needs a clearer shift (h = 60),
    /// alarms that do not teach the EVT threshold (a repeated incident is still an incident),
    /// and a damped trend (β = 0.05) so that breach forecasts extrapolate a creep. Pair it with
    /// a ``ValueTransform`` for the signal and a ``Direction``.
    public static let operations: DetectorConfiguration = {
        var c = DetectorConfiguration()
        c.riskLevel = 3e-5
        c.changeThreshold = 60
        c.thresholdLearnsAlarms = false
        c.trendSmoothing = 0.05
        return c
    }()

    /// The profile called `name` (`nab`, `operations`), or nil.
    public static func profile(named name: String) -> DetectorConfiguration? {
        switch name {
        case "nab": .nab
        case "operations": .operations
        default: nil
        }
    }
}
