import Foundation
import CoordinatorShell
import ServiceSupport
import WorkerShell
import Client
import Shared
import Testing
import Transport

/// End-to-end CURVE authentication: real executables, keys from `magnus keygen`'s format,
/// allowlists as a folder (workers) and a file (clients).
@Suite("Authentication", .serialized, .enabled(if: ZMQ.hasCapability("curve")))
struct AuthenticationTests {
    /// A key folder for one test: the coordinator's keypair, listed peers and strangers.
    final class Keys {
        let directory: String
        init(names: [String]) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("magnus-keys-\(UUID().uuidString.prefix(8))").path
            for name in names {
                try KeyFiles.writeKeypair(CurveKeypair.generate(), name: name, in: directory)
            }
        }
        deinit { try? FileManager.default.removeItem(atPath: directory) }

        func path(_ file: String) -> String { directory + "/" + file }

        /// An allowlist folder holding the `.pub` files of `names`.
        func folder(_ folder: String, with names: [String]) throws -> String {
            let path = path(folder)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for name in names { try FileManager.default.copyItem(atPath: self.path(name + ".pub"), toPath: path + "/" + name + ".pub") }
            return path
        }

        /// An allowlist file listing `names`.
        func file(_ file: String, with names: [String]) throws -> String {
            let text = try names.map { try String(contentsOfFile: path($0 + ".pub"), encoding: .utf8) }.joined()
            try text.write(toFile: path(file), atomically: true, encoding: .utf8)
            return path(file)
        }

        func client(_ name: String) throws -> CurveClientKeys {
            try CurveClientKeys.load(secretKeyFile: path(name + ".key"), serverKey: path("coordinator.pub"))
        }

        func workerArguments(_ name: String) -> [String] {
            ["--curve-secret-key-file", path(name + ".key"), "--coordinator-key", path("coordinator.pub")]
        }
    }

    private func coordinatorArguments(_ keys: Keys, workers: String, clients: String, extra: [String] = []) -> [String] {
        ["--curve-secret-key-file", keys.path("coordinator.key"), "--worker-keys", workers, "--client-keys", clients] + extra
    }

    @Test(.timeLimit(.minutes(1)))
    func unknownWorkersCannotRegisterOrReceivePrompts() throws {
        let keys = try Keys(names: ["coordinator", "w0", "intruder", "client"])
        let cluster = try Cluster(
            workers: 0, timeScale: 400,
            coordinatorArguments: coordinatorArguments(
                keys, workers: try keys.folder("workers", with: ["w0"]), clients: try keys.file("clients.keys", with: ["client"])),
            clientKeys: try keys.client("client"))
        defer { cluster.stop() }
        try cluster.startWorker("w0", extra: keys.workerArguments("w0"))
        // One worker with a key the coordinator does not list, one without CURVE at all.
        try cluster.startWorker("intruder", extra: keys.workerArguments("intruder"))
        try cluster.startWorker("plain")
        try cluster.waitForWorkers(1)

        let client = try MagnusClient(endpoint: cluster.clientEndpoint, curve: try keys.client("client"))
        let submits = Workload.requests(40, prefix: "auth")
        let run = try client.run(submits, timeout: 20)
        #expect(run.unanswered.isEmpty && run.duplicates.isEmpty, "\(cluster.logs())")
        #expect(Set(run.results.map(\.worker.rawValue)) == ["w0"], "a prompt reached an unlisted worker")
        let pong = try #require(try client.ping(timeout: 5))
        #expect(pong.workers == 1, "the coordinator counts \(pong.workers) workers\n\(cluster.logs())")

        let logs = cluster.logs()
        #expect(logs.contains("refused a workers connection"), "no refusal logged\n\(logs)")
        let intruderLog = (try? String(contentsOfFile: cluster.directory.path + "/intruder.log", encoding: .utf8)) ?? ""
        #expect(!intruderLog.contains("welcomed"), "the intruder was welcomed:\n\(intruderLog)")
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(1)))
    func unknownClientsCannotSubmitAndTheStatusStreamCanRequireKeys() throws {
        let keys = try Keys(names: ["coordinator", "w0", "client", "stranger", "monitor"])
        let cluster = try Cluster(
            workers: 0, timeScale: 400,
            coordinatorArguments: coordinatorArguments(
                keys, workers: try keys.file("workers.keys", with: ["w0"]), clients: try keys.folder("clients", with: ["client"]),
                extra: ["--status-auth", "curve", "--status-keys", try keys.file("status.keys", with: ["monitor"])]),
            clientKeys: try keys.client("client"))
        defer { cluster.stop() }
        try cluster.startWorker("w0", extra: keys.workerArguments("w0"))
        try cluster.waitForWorkers(1)

        let submit = Workload.requests(1, prefix: "who")[0]
        // A stranger's key and no key at all: no reply, not even an error; the request never runs.
        for curve in [try keys.client("stranger"), nil] {
            let outsider = try MagnusClient(endpoint: cluster.clientEndpoint, curve: curve)
            try outsider.submit(submit)
            #expect(try outsider.receive(timeout: 0.7) == nil, "an unlisted client got a reply")
            outsider.close()
        }
        // The listed client is served; the id is new to the coordinator, so it runs now.
        let client = try MagnusClient(endpoint: cluster.clientEndpoint, curve: try keys.client("client"))
        let run = try client.run([submit], timeout: 10)
        #expect(run.results.count == 1 && run.accepted == 1, "\(cluster.logs())")

        // Status: only the listed monitor sees snapshots.
        func snapshot(_ curve: CurveClientKeys?) throws -> Bool {
            let subscriber = try StatusSubscriber(endpoint: cluster.statusEndpoint, topics: [.snapshot], curve: curve)
            defer { subscriber.close() }
            return try subscriber.receive(timeout: 1) != nil
        }
        #expect(try !snapshot(nil))
        #expect(try !snapshot(try keys.client("client")))
        #expect(try snapshot(try keys.client("monitor")))
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(1)))
    func theCommandsSayARefusedKeyIsARefusedKey() throws {
        let keys = try Keys(names: ["coordinator", "client", "intruder"])
        let cluster = try Cluster(
            workers: 0, timeScale: 400,
            coordinatorArguments: coordinatorArguments(
                keys, workers: try keys.file("workers.txt", with: ["client"]), clients: try keys.file("clients.txt", with: ["client"]),
                extra: ["--status-auth", "curve"]),
            clientKeys: try keys.client("client"))
        defer { cluster.stop() }
        let intruder = ["--curve-secret-key-file", keys.path("intruder.key"), "--coordinator-key", keys.path("coordinator.pub")]
        let submit = try CommandRun.run("magnus", ["submit", "--coordinator", cluster.clientEndpoint, "--input", "hi"] + intruder)
        #expect(submit.status == 1 && submit.seconds < 4, "\(submit.seconds) s")
        #expect(submit.errors.contains("authentication failed at \(cluster.clientEndpoint): the coordinator refused this client's CURVE key"), "\(submit.errors)")
        let status = try CommandRun.run("magnus", ["status", "--status", cluster.statusEndpoint] + intruder)
        #expect(status.status == 1 && status.errors.contains("authentication failed") && status.errors.contains("status_keys"), "\(status.errors)")
        let keyless = try CommandRun.run("magnus", ["submit", "--coordinator", cluster.clientEndpoint, "--input", "hi"])
        #expect(keyless.status == 1 && keyless.errors.contains("the coordinator requires CURVE"), "\(keyless.errors)")
        cluster.stop()
        cluster.removeFiles()
    }
}
