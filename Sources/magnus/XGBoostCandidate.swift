import Coordinator
import Simulation
import XGBoostRegressor

/// Wires the XGBoost random-forest regressor into the predictor benchmark.
enum XGBoostCandidate {
    static func make(configuration: RandomForestConfiguration) -> RegressorCandidate {
        RegressorCandidate(name: "xgboost-rf (paper)", featureSet: .paper) { rows, targets in
            try XGBoostForestTrainer.train(rows: rows, targets: targets, configuration: configuration)
        }
    }
}
