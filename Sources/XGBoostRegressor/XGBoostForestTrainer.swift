import CXGBoost
import Coordinator

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Trains an `XGBoostForest` with XGBoost's random-forest mode, mapping the Swift forest's
/// `RandomForestConfiguration` onto XGBoost parameters (see `parameters(for:featureCount:targetMean:threads:)`).
public enum XGBoostForestTrainer {
    /// Trains the forest: one boosting round growing `configuration.trees` parallel trees.
    ///
    /// - Parameters:
    ///   - rows: feature vectors, all of the same non-zero length (NaN = missing).
    ///   - targets: one finite target per row.
    ///   - threads: XGBoost's `nthread` for training and batch prediction. The default, 1, is
    ///     deterministic and matches the single-threaded Swift forest.
    /// - Throws: `XGBoostError` with `call == "XGBoostForestTrainer.train"` for bad input
    ///   (no rows, a target count that differs from the row count, rows of unequal length,
    ///   non-finite targets, fewer than one tree or thread), or the failing C call's error.
    public static func train(
        rows: [[Double]], targets: [Double], configuration: RandomForestConfiguration, threads: Int = 1
    ) throws -> XGBoostForest {
        func reject(_ message: String) -> XGBoostError { XGBoostError(call: "XGBoostForestTrainer.train", message: message) }
        guard !rows.isEmpty else { throw reject("no training rows") }
        guard rows.count == targets.count else { throw reject("\(rows.count) rows but \(targets.count) targets") }
        let featureCount = rows[0].count
        guard featureCount > 0 else { throw reject("rows have no features") }
        if let bad = rows.firstIndex(where: { $0.count != featureCount }) {
            throw reject("row \(bad) has \(rows[bad].count) features, row 0 has \(featureCount)")
        }
        if let bad = targets.firstIndex(where: { !$0.isFinite }) { throw reject("target \(bad) is \(targets[bad])") }
        guard configuration.trees >= 1 else { throw reject("need at least one tree") }
        guard threads >= 1 else { throw reject("need at least one thread") }

        let mean = targets.reduce(0, +) / Double(targets.count)
        let parameters = parameters(for: configuration, featureCount: featureCount, targetMean: mean, threads: threads)
        return try withDenseMatrix(rows, columns: featureCount, threads: threads, labels: targets) { matrix in
            var created: BoosterHandle? = nil
            var matrices: [DMatrixHandle?] = [matrix]
            try XGBoostError.check(XGBoosterCreate(&matrices, 1, &created), "XGBoosterCreate")
            guard let booster = created else { throw XGBoostError(call: "XGBoosterCreate", message: "no booster") }
            do {
                for (name, value) in parameters {
                    try XGBoostError.check(XGBoosterSetParam(booster, name, value), "XGBoosterSetParam(\(name))")
                }
                try XGBoostError.check(XGBoosterUpdateOneIter(booster, 0, matrix), "XGBoosterUpdateOneIter")
                let leaves = try TreeLeafTable(textDump: dump(booster), baseScore: Float(mean))
                guard leaves.treeCount == configuration.trees else {
                    throw XGBoostError(
                        call: "XGBoosterDumpModelEx", message: "expected \(configuration.trees) trees, got \(leaves.treeCount)")
                }
                return XGBoostForest(booster: booster, leaves: leaves, featureCount: featureCount, threads: threads)
            } catch {
                XGBoosterFree(booster)
                throw error
            }
        }
    }

    /// The XGBoost parameters `train` sets, in order: XGBoost's documented random-forest recipe
    /// (one round, `num_parallel_tree` trees, learning rate 1, row subsampling, per-node column
    /// sampling) with the Swift forest's settings carried over:
    ///
    /// - `subsample` = 1 − e^(−sampleFraction): XGBoost samples rows without replacement, and
    ///   that is the expected share of distinct rows in a bootstrap of `sampleFraction × n`
    ///   draws (≈ 0.632 for the default 1.0).
    /// - `colsample_bynode` = featuresPerSplit / features, with the Swift forest's default of a
    ///   third, nudged up by a quarter feature because XGBoost truncates `ratio × features`.
    /// - `min_child_weight` = minSamplesLeaf: with squared error every row has hessian 1, so the
    ///   hessian sum is the child's sampled row count.
    /// - `reg_lambda` = 0 and `base_score` = the target mean: leaves are plain means of their
    ///   rows, like CART (XGBoost's default lambda 1 would shrink small leaves toward 0.5).
    /// - `max_bin` = bins clamped to 2...256, `tree_method` = hist, as the Swift forest bins.
    public static func parameters(
        for configuration: RandomForestConfiguration, featureCount: Int, targetMean: Double, threads: Int = 1
    ) -> [(name: String, value: String)] {
        let perSplit = min(featureCount, max(1, configuration.featuresPerSplit ?? max(1, featureCount / 3)))
        let columnShare = min(1, (Double(perSplit) + 0.25) / Double(featureCount))
        let rowShare = min(1, max(1e-6, 1 - exp(-configuration.sampleFraction)))
        return [
            ("booster", "gbtree"),
            ("objective", "reg:squarederror"),
            ("tree_method", "hist"),
            ("max_bin", String(min(max(configuration.bins, 2), 256))),
            ("num_parallel_tree", String(configuration.trees)),
            ("learning_rate", "1"),
            ("subsample", String(rowShare)),
            ("colsample_bynode", String(columnShare)),
            ("max_depth", String(configuration.maxDepth)),
            ("min_child_weight", String(max(1, configuration.minSamplesLeaf))),
            ("reg_lambda", "0"),
            ("base_score", String(Float(targetMean))),
            ("seed", String(Int64(bitPattern: configuration.seed))),
            ("nthread", String(threads)),
            ("verbosity", "1"),
        ]
    }

    /// The booster's text dump, one string per tree.
    private static func dump(_ booster: BoosterHandle) throws -> [String] {
        var count: bst_ulong = 0
        var trees: UnsafeMutablePointer<UnsafePointer<CChar>?>? = nil
        try XGBoostError.check(XGBoosterDumpModelEx(booster, "", 0, "text", &count, &trees), "XGBoosterDumpModelEx")
        guard let trees else { throw XGBoostError(call: "XGBoosterDumpModelEx", message: "no dump") }
        return (0..<Int(count)).map { trees[$0].map { String(cString: $0) } ?? "" }
    }
}
