import CXGBoost

/// Runs `body` with a DMatrix holding `rows` (row-major, converted to Float, NaN = missing)
/// and optional `labels`, and frees the matrix as soon as `body` returns.
/// Every row must have `columns` values (callers check).
func withDenseMatrix<T>(
    _ rows: [[Double]], columns: Int, threads: Int, labels: [Double]? = nil, _ body: (DMatrixHandle) throws -> T
) throws -> T {
    var values = [Float](repeating: 0, count: rows.count * columns)
    for (r, row) in rows.enumerated() {
        for c in 0..<columns { values[r * columns + c] = Float(row[c]) }
    }
    var created: DMatrixHandle? = nil
    try values.withUnsafeBufferPointer { buffer in
        try XGBoostError.check(
            XGDMatrixCreateFromMat_omp(
                buffer.baseAddress, bst_ulong(rows.count), bst_ulong(columns), .nan, &created, Int32(threads)),
            "XGDMatrixCreateFromMat_omp")
    }
    guard let matrix = created else { throw XGBoostError(call: "XGDMatrixCreateFromMat_omp", message: "no matrix") }
    defer { XGDMatrixFree(matrix) }
    if let labels {
        let floats = labels.map(Float.init)
        try XGBoostError.check(
            XGDMatrixSetFloatInfo(matrix, "label", floats, bst_ulong(floats.count)), "XGDMatrixSetFloatInfo")
    }
    return try body(matrix)
}
