import CZeroMQ

/// Facts about the libzmq library in use.
public enum ZMQ {
    /// Whether libzmq supports a capability (`zmq_has`): `"curve"`, `"ipc"`, `"gssapi"`...
    public static func hasCapability(_ capability: String) -> Bool {
        zmq_has(capability) != 0
    }

    /// The libzmq version (`zmq_version`), e.g. `(4, 3, 4)`.
    public static var version: (major: Int, minor: Int, patch: Int) {
        var major: CInt = 0
        var minor: CInt = 0
        var patch: CInt = 0
        zmq_version(&major, &minor, &patch)
        return (Int(major), Int(minor), Int(patch))
    }
}
