extension StringProtocol {
    /// The text right-aligned in `width` columns (spaces on the left); unchanged when longer.
    public func leftPadded(to width: Int) -> String {
        count >= width ? String(self) : String(repeating: " ", count: width - count) + self
    }
}
