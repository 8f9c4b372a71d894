import Coordinator
import CoordinatorShell
import Shared
import Testing

@Suite struct ExposureTests {
    @Test func endpointsBeyondLoopbackWithoutCurveAreNamed() {
        var configuration = CoordinatorConfiguration()
        // The defaults bind every interface.
        #expect(configuration.endpointsExposedWithoutAuthentication.count == 3)
        configuration.clientEndpoint = "tcp://127.0.0.1:5555"
        configuration.workerEndpoint = "ipc:///tmp/magnus-workers"
        configuration.statusEndpoint = "tcp://[::1]:5557"
        #expect(configuration.endpointsExposedWithoutAuthentication.isEmpty)
        configuration.statusEndpoint = "tcp://10.0.0.5:5557"
        #expect(configuration.endpointsExposedWithoutAuthentication == ["tcp://10.0.0.5:5557"])
        configuration.curveSecretKeyFile = "keys/coordinator.key"
        #expect(configuration.endpointsExposedWithoutAuthentication.isEmpty)
    }
}
