import ForeshockDetection

extension DetectorConfiguration {
    /// This configuration with a static threshold (an SLO line) to forecast: early warnings
    /// need the trend component, so a configuration without one gets a slow trend.
    public func with(threshold: StaticThreshold) -> DetectorConfiguration {
        var copy = self
        copy.staticThreshold = threshold
        if copy.trendSmoothing == 0 { copy.trendSmoothing = 0.02 }
        return copy
    }
}
