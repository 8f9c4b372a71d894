import Coordinator
import Testing
import XGBoostRegressor

/// Synthetic data: three uniform features in [0, 10) and y = 3·x0 + x1 (x2 is noise-free filler).
private func linearData(count: Int, seed: UInt64) -> (rows: [[Double]], targets: [Double]) {
    var state = seed
    func uniform() -> Double {
        // SplitMix64 step, top 53 bits as a fraction.
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53) * 10
    }
    var rows: [[Double]] = []
    var targets: [Double] = []
    for _ in 0..<count {
        let row = [uniform(), uniform(), uniform()]
        rows.append(row)
        targets.append(3 * row[0] + row[1])
    }
    return (rows, targets)
}

private let configuration = RandomForestConfiguration(trees: 40, maxDepth: 12, minSamplesLeaf: 3, seed: 7)

@Suite struct XGBoostRegressorTests {
    @Test func learnsALinearFunctionAsWellAsTheSwiftForest() throws {
        let train = linearData(count: 2_000, seed: 1)
        let test = linearData(count: 300, seed: 2)
        let forest = try XGBoostForestTrainer.train(rows: train.rows, targets: train.targets, configuration: configuration)
        #expect(forest.treeCount == 40 && forest.featureCount == 3)
        let predictions = try forest.predictPoints(test.rows)
        let error = zip(predictions, test.targets).map { abs($0 - $1) }.reduce(0, +) / Double(test.targets.count)
        #expect(error < 1.5, "mean absolute error \(error) on targets spanning 0...40")

        let swift = RandomForestTrainer(configuration: configuration).train(rows: train.rows, targets: train.targets)
        let swiftError = zip(test.rows, test.targets).map { abs(swift.predict($0) - $1) }.reduce(0, +) / 300
        #expect(error < 1.5 * swiftError + 0.1, "XGBoost \(error) vs Swift forest \(swiftError)")

        // Spot checks well inside the domain.
        #expect(abs(try forest.predictPoint([5, 5, 5]) - 20) < 2)
        #expect(abs(try forest.predictPoint([2, 8, 1]) - 14) < 2)
    }

    @Test func isDeterministicForASeed() throws {
        let train = linearData(count: 800, seed: 3)
        let probe = linearData(count: 50, seed: 4).rows
        let a = try XGBoostForestTrainer.train(rows: train.rows, targets: train.targets, configuration: configuration)
        let b = try XGBoostForestTrainer.train(rows: train.rows, targets: train.targets, configuration: configuration)
        #expect(try a.predictPoints(probe) == b.predictPoints(probe))
        #expect(probe.map { a.predict($0, upperQuantile: 0.9).upper } == probe.map { b.predict($0, upperQuantile: 0.9).upper })

        var other = configuration
        other.seed = 8
        let c = try XGBoostForestTrainer.train(rows: train.rows, targets: train.targets, configuration: other)
        #expect(try a.predictPoints(probe) != c.predictPoints(probe))
    }

    @Test func upperIsAQuantileOfThePerTreePredictionsAroundXGBoostsPoint() throws {
        let train = linearData(count: 1_000, seed: 5)
        let forest = try XGBoostForestTrainer.train(rows: train.rows, targets: train.targets, configuration: configuration)
        for row in linearData(count: 40, seed: 6).rows {
            let (point, upper) = forest.predict(row, upperQuantile: 0.9)
            #expect(upper >= point)
            // The mean of the per-tree predictions (from leaf ids and dumped leaf values) is
            // XGBoost's own prediction, so the leaf table is scaled right.
            let xgboost = try forest.predictPoint(row)
            #expect(abs(point - xgboost) <= 1e-4 * max(1, abs(xgboost)))
            let trees = try forest.treePredictions(row)
            #expect(trees.count == 40 && trees == trees.sorted())
            #expect(forest.predict(row, upperQuantile: 0).upper == trees.first)
            #expect(forest.predict(row, upperQuantile: 1).upper == trees.last)
            #expect(trees.first! < trees.last!, "trees trained on different subsamples should disagree somewhere")
        }
    }

    @Test func batchPredictionsMatchSingleRows() throws {
        let train = linearData(count: 600, seed: 9)
        let forest = try XGBoostForestTrainer.train(rows: train.rows, targets: train.targets, configuration: configuration)
        let probe = linearData(count: 25, seed: 10).rows
        let points = try forest.predictPoints(probe)
        let spreads = try forest.predictBatch(probe, upperQuantile: 0.8)
        for (i, row) in probe.enumerated() {
            #expect(points[i] == (try forest.predictPoint(row)))
            let single = forest.predict(row, upperQuantile: 0.8)
            #expect(spreads[i].point == single.point && spreads[i].upper == single.upper)
        }
        #expect(try forest.predictPoints([]).isEmpty)
    }

    @Test func concurrentPredictionsMatchSerialOnes() async throws {
        let train = linearData(count: 600, seed: 11)
        let forest = try XGBoostForestTrainer.train(rows: train.rows, targets: train.targets, configuration: configuration)
        let probe = linearData(count: 64, seed: 12).rows
        let serial = probe.map { forest.predict($0, upperQuantile: 0.9) }
        let concurrent = await withTaskGroup(of: (Int, Double, Double).self) { group in
            for (i, row) in probe.enumerated() {
                group.addTask {
                    let (point, upper) = forest.predict(row, upperQuantile: 0.9)
                    return (i, point, upper)
                }
            }
            var results = [(Double, Double)](repeating: (0, 0), count: probe.count)
            for await (i, point, upper) in group { results[i] = (point, upper) }
            return results
        }
        for i in probe.indices {
            #expect(concurrent[i].0 == serial[i].point && concurrent[i].1 == serial[i].upper)
        }
    }

    @Test func badInputThrows() throws {
        // Documented behaviour: the trainer validates its input and throws (it never traps);
        // only feature vectors of the wrong length at prediction time are preconditions.
        let ragged = [[1.0, 2.0], [3.0], [4.0, 5.0]]
        #expect(throws: XGBoostError.self) {
            try XGBoostForestTrainer.train(rows: ragged, targets: [1, 2, 3], configuration: configuration)
        }
        do {
            _ = try XGBoostForestTrainer.train(rows: ragged, targets: [1, 2, 3], configuration: configuration)
        } catch let error as XGBoostError {
            #expect(error.call == "XGBoostForestTrainer.train" && error.message.contains("row 1"))
        }
        #expect(throws: XGBoostError.self) {
            try XGBoostForestTrainer.train(rows: [[1], [2]], targets: [1], configuration: configuration)
        }
        #expect(throws: XGBoostError.self) {
            try XGBoostForestTrainer.train(rows: [], targets: [], configuration: configuration)
        }
        #expect(throws: XGBoostError.self) {
            try XGBoostForestTrainer.train(rows: [[1], [2]], targets: [1, .nan], configuration: configuration)
        }
    }

    @Test func libraryErrorsCarryTheFailingCallAndXGBoostsMessage() throws {
        // A negative depth passes Swift's checks but XGBoost's parameter validation rejects it.
        let train = linearData(count: 50, seed: 13)
        var invalid = configuration
        invalid.maxDepth = -1
        do {
            _ = try XGBoostForestTrainer.train(rows: train.rows, targets: train.targets, configuration: invalid)
            Issue.record("expected XGBoost to reject max_depth = -1")
        } catch let error as XGBoostError {
            #expect(error.call.hasPrefix("XGBooster"))
            #expect(!error.message.isEmpty && !error.message.contains("Stack trace"))
        }
    }
}
