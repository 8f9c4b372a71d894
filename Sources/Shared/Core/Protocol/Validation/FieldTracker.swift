/// Which keys each JSON object of one payload holds and which of them the decoded type read,
/// so that the keys nobody read (unknown fields) can be reported by path.
///
/// One tracker serves one decode, on one thread. `@unchecked Sendable` only so that it can
/// travel through `JSONDecoder.userInfo`; it is never shared between threads.
final class FieldTracker: @unchecked Sendable {
    /// One JSON object: the keys it holds and those read so far. Containers keep a reference,
    /// so marking a key read costs one set insertion.
    final class Object {
        let path: String
        let present: [String]
        var read: Set<String> = []

        init(path: String, present: [String]) {
            self.path = path
            self.present = present
        }
    }

    /// Objects by their dotted path ("" for the top level), in the order first seen.
    private var objects: [String: Object] = [:]
    private var order: [Object] = []

    /// The object at `path`, registered with `keys` on first sight (a type that asks for the
    /// same container twice gets the same object).
    func object(at path: [any CodingKey], keys: () throws -> [String]) rethrows -> Object {
        let name = Self.name(path)
        if let object = objects[name] { return object }
        let object = Object(path: name, present: try keys())
        objects[name] = object
        order.append(object)
        return object
    }

    /// Every present key that was never read, as dotted paths, in payload order.
    /// - Complexity: O(keys).
    var unknownFields: [String] {
        order.flatMap { object in
            object.present.filter { !object.read.contains($0) }.map { object.path.isEmpty ? $0 : object.path + "." + $0 }
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
