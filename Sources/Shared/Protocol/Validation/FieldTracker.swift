/// Which keys each JSON object of one payload holds and which of them the decoded type read,
/// so that the keys nobody read (unknown fields) can be reported by path.
///
/// One tracker serves one decode, on one thread. `@unchecked Sendable` only so that it can
/// travel through `JSONDecoder.userInfo`; it is never shared between threads.
final class FieldTracker: @unchecked Sendable {
    /// Keys present and keys read, for one object.
    private struct Object {
        var present: [String] = []
        var read: Set<String> = []
    }

    /// Objects by their dotted path ("" for the top level), in the order first seen.
    private var objects: [String: Object] = [:]
    private var order: [String] = []

    /// Registers an object at `path` holding `keys`; repeated registrations (a type asking
    /// for the same container twice) merge.
    func register(_ path: [any CodingKey], keys: [String]) {
        let name = Self.name(path)
        if objects[name] == nil {
            order.append(name)
            objects[name] = Object(present: keys)
        }
    }

    /// Marks `key` of the object at `path` as read (decoded, probed with `contains` or
    /// checked for null).
    func read(_ key: String, in path: [any CodingKey]) {
        objects[Self.name(path), default: Object()].read.insert(key)
    }

    /// Every present key that was never read, as dotted paths, in payload order.
    /// - Complexity: O(keys).
    var unknownFields: [String] {
        order.flatMap { name in
            let object = objects[name]!
            return object.present.filter { !object.read.contains($0) }.map { name.isEmpty ? $0 : name + "." + $0 }
        }
    }

    /// `a.b[2].c` for a coding path.
    static func name(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }
}
