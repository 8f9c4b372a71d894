import Coordinator
import ServiceSupport

/// Where a coordinator service gets the models it starts with.
enum ModelSource: Sendable {
    /// The caller built the scheduler: its models stay; nothing is bootstrapped or retrained.
    case given(Scheduler)
    /// `ModelBootstrap`'s order: the stored model, else the configured training data, else
    /// logged data, else the prior.
    case configured
    /// As `configured`, with these examples in place of the configured training data.
    case examples([LengthExample])

    /// The examples that replace the configured training data, if any.
    var examples: [LengthExample]? {
        if case .examples(let examples) = self { return examples }
        return nil
    }
}
