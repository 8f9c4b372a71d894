/// Runs SQLite calls, reporting their failure as `StorageError.database`.
@inline(__always)
func wrap<T>(_ body: () throws(SQLiteError) -> T) throws(StorageError) -> T {
    do {
        return try body()
    } catch {
        throw .database(error)
    }
}
