/// A trained regressor from length features to a generation length, with a spread.
/// Implementations: `RandomForest` (Swift, the default) and XGBoost's random-forest mode.
public protocol LengthRegressor: Sendable {
    /// Point prediction and an upper value (a high quantile of the ensemble's members).
    func predict(_ features: [Double], upperQuantile: Double) -> (point: Double, upper: Double)
}

extension RandomForest: LengthRegressor {
    public func predict(_ features: [Double], upperQuantile: Double) -> (point: Double, upper: Double) {
        let (mean, upper) = predictWithSpread(features, quantile: upperQuantile)
        return (mean, upper)
    }
}
