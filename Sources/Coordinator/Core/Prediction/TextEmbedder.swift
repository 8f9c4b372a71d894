/// Turns text into a fixed-size semantic vector. The paper uses LaBSE (d = 768); the default
/// here is `HashingTextEmbedder`, and a real sentence encoder can conform later.
public protocol TextEmbedder: Sendable {
    /// Length of every vector `embed` returns.
    var dimension: Int { get }
    /// The embedding of `text`; deterministic.
    func embed(_ text: String) -> [Double]
}
