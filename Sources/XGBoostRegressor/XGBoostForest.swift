import CXGBoost
import Coordinator

/// A random forest trained by XGBoost (`XGBoostForestTrainer`), used as a `LengthRegressor`.
///
/// Owns the booster handle and frees it on deinit; every DMatrix is freed right after use.
/// Prediction is thread-safe: XGBoost documents prediction on a `gbtree` booster as thread-safe
/// since 1.4 (each thread gets its own output buffer, copied out before returning), and the
/// booster is never trained or reconfigured after `init`, so instances are shared freely.
///
/// `predict(_:upperQuantile:)` asks XGBoost for the leaf each tree sends the row to
/// (`pred_leaf`) and maps leaves to per-tree predictions read from the model dump at training
/// time: the point is their mean (XGBoost's own prediction, up to float rounding) and `upper`
/// their `upperQuantile`, exactly as `RandomForest.predictWithSpread` does across its trees.
///
/// Features are converted to `Float` (XGBoost's storage type); NaN means "missing".
/// Passing a vector of the wrong length is a precondition failure, as for `RandomForest`.
public final class XGBoostForest: LengthRegressor, @unchecked Sendable {
    // Unchecked Sendable: the handle is immutable after init and only used for concurrent-safe
    // prediction calls (see the type's documentation); everything else is immutable value state.
    private let booster: BoosterHandle
    private let leaves: TreeLeafTable
    /// Length of the feature vectors the forest was trained on.
    public let featureCount: Int
    /// Number of trees (XGBoost's `num_parallel_tree` in its single boosting round).
    public var treeCount: Int { leaves.treeCount }
    /// XGBoost's `nthread`, used for training and batch prediction (a single row is one block
    /// of XGBoost's work, so it runs on the calling thread).
    public let threads: Int

    /// Takes ownership of `booster`.
    init(booster: BoosterHandle, leaves: TreeLeafTable, featureCount: Int, threads: Int) {
        self.booster = booster
        self.leaves = leaves
        self.featureCount = featureCount
        self.threads = threads
    }

    deinit {
        XGBoosterFree(booster)
    }

    // MARK: LengthRegressor

    /// Mean and `upperQuantile` of the trees' predictions (see the type's documentation).
    /// XGBoost failing here (it does not for well-formed input) is a fatal error, since the
    /// protocol cannot throw; use `treePredictions(_:)` to handle such failures.
    public func predict(_ features: [Double], upperQuantile: Double) -> (point: Double, upper: Double) {
        let values: [Double]
        do {
            values = try treePredictions(features)
        } catch {
            fatalError("XGBoost prediction failed: \(error)")
        }
        let mean = values.reduce(0, +) / Double(values.count)
        return (mean, RandomForest.quantile(ofSorted: values, upperQuantile))
    }

    // MARK: Single rows

    /// XGBoost's point prediction for one feature vector.
    ///
    /// Builds a one-row DMatrix and calls `XGBoosterPredictFromDMatrix`. In-place prediction
    /// (`XGBoosterPredictFromDense` with an array-interface JSON) measured the same within
    /// about 2% per row (about 1 µs slower for small forests, under 1 µs faster at 100 deep
    /// trees) and cannot report leaf ids in XGBoost 1.7, so the DMatrix path serves every call.
    public func predictPoint(_ features: [Double]) throws -> Double {
        precondition(features.count == featureCount, "expected \(featureCount) features, got \(features.count)")
        return try withSingleRowMatrix(features) { matrix in
            let output = try predict(matrix, config: Self.valueConfig, rows: 1, columns: 1)
            return Double(output[0])
        }
    }

    /// Every tree's prediction for one feature vector, sorted ascending.
    public func treePredictions(_ features: [Double]) throws -> [Double] {
        precondition(features.count == featureCount, "expected \(featureCount) features, got \(features.count)")
        let trees = treeCount
        return try withSingleRowMatrix(features) { matrix in
            let leafIDs = try predict(matrix, config: Self.leafConfig, rows: 1, columns: trees)
            var values = [Double](repeating: 0, count: trees)
            for tree in 0..<trees { values[tree] = leaves.prediction(tree: tree, leaf: leafIDs[tree]) }
            values.sort()
            return values
        }
    }

    // MARK: Batches

    /// XGBoost's point predictions for many rows, in one call.
    public func predictPoints(_ rows: [[Double]]) throws -> [Double] {
        if rows.isEmpty { return [] }
        return try withMatrix(rows) { matrix in
            let output = try predict(matrix, config: Self.valueConfig, rows: rows.count, columns: 1)
            return output.map(Double.init)
        }
    }

    /// `predict(_:upperQuantile:)` for many rows, with one XGBoost call.
    public func predictBatch(_ rows: [[Double]], upperQuantile: Double) throws -> [(point: Double, upper: Double)] {
        if rows.isEmpty { return [] }
        let trees = treeCount
        return try withMatrix(rows) { matrix in
            let leafIDs = try predict(matrix, config: Self.leafConfig, rows: rows.count, columns: trees)
            var values = [Double](repeating: 0, count: trees)
            return (0..<rows.count).map { row in
                for tree in 0..<trees { values[tree] = leaves.prediction(tree: tree, leaf: leafIDs[row * trees + tree]) }
                values.sort()
                let mean = values.reduce(0, +) / Double(trees)
                return (mean, RandomForest.quantile(ofSorted: values, upperQuantile))
            }
        }
    }

    // MARK: XGBoost calls

    /// Prediction settings (XGBoosterPredictFromDMatrix): type 0 is the transformed value, 6 the
    /// leaf index of every tree; iteration_end 0 means all trees.
    private static let valueConfig =
        #"{"type":0,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false}"#
    private static let leafConfig =
        #"{"type":6,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false}"#

    /// A one-row DMatrix over `features` (as Float, NaN missing), freed when `body` returns.
    private func withSingleRowMatrix<T>(
        _ features: [Double], _ body: (DMatrixHandle) throws -> T
    ) throws -> T {
        let count = featureCount
        return try withUnsafeTemporaryAllocation(of: Float.self, capacity: count) { buffer in
            for i in 0..<count { buffer[i] = Float(features[i]) }
            var matrix: DMatrixHandle? = nil
            try XGBoostError.check(
                XGDMatrixCreateFromMat(buffer.baseAddress, 1, bst_ulong(count), .nan, &matrix), "XGDMatrixCreateFromMat")
            guard let matrix else { throw XGBoostError(call: "XGDMatrixCreateFromMat", message: "no matrix") }
            defer { XGDMatrixFree(matrix) }
            return try body(matrix)
        }
    }

    /// A DMatrix over `rows`, freed when `body` returns.
    private func withMatrix<T>(_ rows: [[Double]], _ body: (DMatrixHandle) throws -> T) throws -> T {
        for row in rows {
            precondition(row.count == featureCount, "expected \(featureCount) features, got \(row.count)")
        }
        return try withDenseMatrix(rows, columns: featureCount, threads: threads, body)
    }

    /// Runs a prediction and copies out exactly `rows × columns` floats (XGBoost's buffer is only
    /// valid until this thread's next prediction on this booster).
    private func predict(_ matrix: DMatrixHandle, config: String, rows: Int, columns: Int) throws -> [Float] {
        var shape: UnsafePointer<bst_ulong>? = nil
        var dimensions: bst_ulong = 0
        var result: UnsafePointer<Float>? = nil
        try XGBoostError.check(
            XGBoosterPredictFromDMatrix(booster, matrix, config, &shape, &dimensions, &result),
            "XGBoosterPredictFromDMatrix")
        var length = 1
        if let shape { for d in 0..<Int(dimensions) { length *= Int(shape[d]) } }
        guard let result, length == rows * columns else {
            throw XGBoostError(
                call: "XGBoosterPredictFromDMatrix", message: "expected \(rows * columns) outputs, got \(length)")
        }
        return Array(UnsafeBufferPointer(start: result, count: length))
    }
}
