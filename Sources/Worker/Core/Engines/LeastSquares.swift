/// A small dense least-squares solver for the engine fit: minimises Σ w_i (a_i · x − y_i)²
/// through the normal equations, with columns scaled to unit norm and Gaussian elimination
/// with partial pivoting. Returns nil when the columns are (nearly) linearly dependent.
enum LeastSquares {
    static func solve(rows: [[Double]], targets: [Double], weights: [Double]) -> [Double]? {
        guard let width = rows.first?.count, width > 0, rows.count >= width,
            rows.count == targets.count, rows.count == weights.count
        else { return nil }
        var scale = [Double](repeating: 0, count: width)
        for (row, weight) in zip(rows, weights) {
            for j in 0..<width { scale[j] += weight * row[j] * row[j] }
        }
        scale = scale.map { $0 > 0 ? $0.squareRoot() : 0 }
        guard scale.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        // Normal equations on scaled columns: (AᵀWA) z = AᵀWy, x_j = z_j / scale_j.
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: width + 1), count: width)
        for ((row, target), weight) in zip(zip(rows, targets), weights) {
            for i in 0..<width {
                let left = row[i] / scale[i]
                for j in 0..<width { matrix[i][j] += weight * left * row[j] / scale[j] }
                matrix[i][width] += weight * left * target
            }
        }
        for column in 0..<width {
            var pivot = column
            for candidate in (column + 1)..<width where abs(matrix[candidate][column]) > abs(matrix[pivot][column]) {
                pivot = candidate
            }
            // Scaled columns give a unit diagonal; a tiny pivot means dependent columns.
            guard abs(matrix[pivot][column]) > 1e-10 else { return nil }
            matrix.swapAt(column, pivot)
            for other in 0..<width where other != column {
                let factor = matrix[other][column] / matrix[column][column]
                if factor == 0 { continue }
                for j in column...width { matrix[other][j] -= factor * matrix[column][j] }
            }
        }
        let solution = (0..<width).map { matrix[$0][width] / matrix[$0][$0] / scale[$0] }
        return solution.allSatisfy(\.isFinite) ? solution : nil
    }
}
