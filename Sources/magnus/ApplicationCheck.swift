import Shared

/// Warns about application (task) names the catalog does not know: they are served with a
/// generic instruction, and the built-in workload generator has no statistics for them.
enum ApplicationCheck {
    /// One warning for all the unknown names in `names`, or nil when every name is known.
    /// - Parameter consequence: what happens to those names, for the end of the sentence.
    static func warning(
        forUnknown names: [String], command: String,
        consequence: String = "sent with the generic instruction '\(Application.forTask("").instruction)'"
    ) -> String? {
        let known = Application.allTasks
        var unknown: [String] = []
        for name in names where Application.catalog[Application.task(ofApplication: name)] == nil && !unknown.contains(name) {
            unknown.append(name)
        }
        guard !unknown.isEmpty else { return nil }
        let described = unknown.map { name in
            (NearestName.to(name, in: known) ?? known.first { $0.contains(name.lowercased()) })
                .map { "'\(name)' (did you mean \($0)?)" } ?? "'\(name)'"
        }
        return "\(command): warning: unknown application\(unknown.count > 1 ? "s" : "") \(described.joined(separator: ", ")), \(consequence); "
            + "known: \(known.joined(separator: ", "))"
    }
}
