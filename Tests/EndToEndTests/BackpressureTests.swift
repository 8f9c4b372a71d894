import Foundation
import CoordinatorShell
import ServiceSupport
import WorkerShell
import Client
import Shared
import Testing

/// End-to-end limits, cancellation and deadlines on the real executables.
@Suite("Backpressure and deadlines", .serialized)
struct BackpressureTests {
    private func submit(_ id: String, deadline: Int? = nil, inputTokens: Int? = nil, output: Int = 8) -> SubmitMessage {
        SubmitMessage(
            id: RequestID(id), application: "gec", instruction: "Fix:", input: "input of \(id)", inputTokens: inputTokens,
            maxNewTokens: 4096, deadlineMilliseconds: deadline, simulatedOutputTokens: output)
    }

    /// The next reply about `id`, skipping others, within `timeout` seconds.
    private func reply(to id: String, from client: MagnusClient, timeout: Double = 3) throws -> CoordinatorReply? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard let reply = try client.receive(timeout: deadline.timeIntervalSinceNow) else { return nil }
            if reply.requestID == RequestID(id) { return reply }
        }
        return nil
    }

    private func code(_ reply: CoordinatorReply?) -> ErrorCode? {
        if case .error(let error) = reply { return error.code }
        return nil
    }

    private func isAccepted(_ reply: CoordinatorReply?) -> Bool {
        if case .accepted = reply { return true }
        return false
    }

    @Test(.timeLimit(.minutes(1)))
    func limitsRefuseAtOnceCancelFreesAPlaceAndDeadlinesExpire() throws {
        // No worker: everything stays queued.
        let cluster = try Cluster(workers: 0, timeScale: 1, coordinatorArguments: ["--max-queued", "5", "--max-in-flight", "3"])
        defer { cluster.stop() }
        let first = try MagnusClient(endpoint: cluster.clientEndpoint)
        let second = try MagnusClient(endpoint: cluster.clientEndpoint)

        for id in ["a", "b", "c"] {
            try first.submit(submit(id))
            #expect(isAccepted(try reply(to: id, from: first)), "\(id)")
        }
        try first.submit(submit("d"))
        #expect(code(try reply(to: "d", from: first)) == .overloaded, "the fourth request of one connection")
        for id in ["x", "y"] {
            try second.submit(submit(id))
            #expect(isAccepted(try reply(to: id, from: second)), "\(id)")
        }
        try second.submit(submit("z"))
        #expect(code(try reply(to: "z", from: second)) == .overloaded, "the sixth queued request")

        // Cancelling a queued request answers `cancelled` and frees its place at once.
        try first.cancel(RequestID("a"))
        guard case .cancelled(let withdrawn) = try reply(to: "a", from: first) else {
            Issue.record("no cancelled reply")
            return
        }
        #expect(withdrawn.id == RequestID("a") && withdrawn.cancelled && withdrawn.incarnation != nil)
        try first.submit(submit("d", deadline: 300))
        #expect(isAccepted(try reply(to: "d", from: first)))
        // Still queued at its deadline: answered deadline_exceeded, and the place is free again.
        let started = Date()
        #expect(code(try reply(to: "d", from: first)) == .deadlineExceeded)
        #expect(Date().timeIntervalSince(started) < 2)
        try second.submit(submit("z"))
        #expect(isAccepted(try reply(to: "z", from: second)))

        let status = try StatusSubscriber(endpoint: cluster.statusEndpoint, topics: [.snapshot])
        var errors: [String: Int] = [:]
        for _ in 0..<20 where errors.isEmpty {
            if case .snapshot(let snapshot) = try status.receive(timeout: 0.3) { errors = snapshot.errors }
        }
        #expect(errors["overloaded"] == 2 && errors["deadline_exceeded"] == 1, "\(errors)")
        cluster.removeFiles()
    }

    @Test(.timeLimit(.minutes(1)))
    func aDeadlineThatCannotBeMetIsRefusedUpFront() throws {
        let cluster = try Cluster(workers: 1, timeScale: 50)
        defer { cluster.stop() }
        let client = try MagnusClient(endpoint: cluster.clientEndpoint)
        // Three finished batches teach the coordinator the cluster's pace.
        for index in 0..<3 {
            try client.submit(submit("warm\(index)"))
            let deadline = Date().addingTimeInterval(10)
            var done = false
            while !done, Date() < deadline, let reply = try client.receive(timeout: 5) {
                if case .result(let result) = reply, result.id == RequestID("warm\(index)") { done = true }
            }
            try #require(done, "warm-up \(index) got no result\n\(cluster.logs())")
        }
        // A long request occupies the only worker (the prior predicts as many tokens as it reads)…
        try client.submit(submit("long", inputTokens: 2000, output: 2000))
        #expect(isAccepted(try reply(to: "long", from: client)))
        // …so one with 5 ms to go is refused at once, not after its deadline.
        try client.submit(submit("tight", deadline: 5))
        guard case .error(let refusal) = try reply(to: "tight", from: client) else {
            Issue.record("no refusal\n\(cluster.logs())")
            return
        }
        #expect(refusal.code == .deadlineExceeded && refusal.message.contains("refused at once"), "\(refusal)")
        // A reachable deadline is accepted and met.
        try client.submit(submit("loose", deadline: 60_000))
        #expect(isAccepted(try reply(to: "loose", from: client)))
        guard case .result = try reply(to: "loose", from: client, timeout: 20) else {
            Issue.record("no result for loose\n\(cluster.logs())")
            return
        }
        cluster.signal(worker: "w0", SIGKILL)
        cluster.removeFiles()
    }
}
