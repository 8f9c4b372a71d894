import Foundation
import ServiceSupport
import Synchronization
import Testing

/// The service-thread helper and the typed channel the services are built on.
@Suite("Service thread")
struct ServiceThreadTests {
    struct Failure: Error, Equatable {
        var code: Int
    }

    @Test(.timeLimit(.minutes(1)))
    func startReportsAValueAndJoinReturnsWhatTheBodyReturned() {
        let thread = ServiceThread<String, Int>(name: "magnus-test-started")
        let name = Mutex<String?>(nil)
        thread.start { thread in
            name.withLock { $0 = Thread.current.name }
            thread.reportStarted("ready")
            thread.reportStarted("ignored: only the first report counts")
            return 7
        }
        #expect(thread.waitForStart() == "ready")
        #expect(thread.waitForStart() == "ready", "a second wait sees the same report")
        guard case .returned(let value)? = thread.join() else {
            Issue.record("the body did not return")
            return
        }
        #expect(value == 7)
        guard case .returned(7)? = thread.join(timeout: 0) else {
            Issue.record("a second join does not see the ending")
            return
        }
        guard case .returned(7)? = thread.ending else {
            Issue.record("no ending after join")
            return
        }
        #expect(name.withLock { $0 } == "magnus-test-sta", "the first 15 bytes of the name")
    }

    @Test(.timeLimit(.minutes(1)))
    func theBodyObservesADrainRequestAndAStopRequest() {
        let draining = ServiceThread<Void, Int>(name: "magnus-test-drain")
        draining.start { thread in
            thread.reportStarted()
            var wakes = 0
            while !thread.isDrainRequested {
                thread.waitForWake()
                wakes += 1
            }
            return thread.isStopRequested ? -1 : wakes
        }
        #expect(draining.waitForStart() != nil)
        #expect(draining.join(timeout: 0.05) == nil, "the body ended before the drain was requested")
        draining.requestDrain()
        guard case .returned(let wakes)? = draining.join() else {
            Issue.record("the draining body did not return")
            return
        }
        #expect(wakes >= 1)

        // A stop asked for before the start is kept for the body.
        let stopping = ServiceThread<Void, Bool>(name: "magnus-test-stop")
        stopping.requestStop()
        stopping.start { thread in
            thread.isStopRequested && !thread.isDrainRequested
        }
        guard case .returned(true)? = stopping.join() else {
            Issue.record("the body did not see the stop requested before its start")
            return
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aThrowingBodyIsReportedAndEndsTheStartWait() {
        let thread = ServiceThread<Int, Void>(name: "magnus-test-throw")
        thread.start { _ in throw Failure(code: 3) }
        #expect(thread.waitForStart() == nil, "the body threw before reporting its start")
        guard case .threw(let error)? = thread.join() else {
            Issue.record("the error was not reported")
            return
        }
        #expect(error as? Failure == Failure(code: 3))
    }

    @Test(.timeLimit(.minutes(1)))
    func joinTimesOutWhileTheBodyRunsAndANeverStartedThreadJoinsAtOnce() {
        let thread = ServiceThread<Void, Void>(name: "magnus-test-timeout")
        thread.start { thread in
            while !thread.isStopRequested { thread.waitForWake() }
        }
        let clock = MonotonicClock()
        #expect(thread.join(timeout: 0.1) == nil)
        #expect(clock.now >= 0.1)
        #expect(thread.ending == nil)
        thread.requestStop()
        guard case .returned? = thread.join(timeout: 30) else {
            Issue.record("the body did not end after the stop")
            return
        }

        let idle = ServiceThread<Void, Void>(name: "magnus-test-idle")
        #expect(idle.join() == nil)
        #expect(idle.waitForStart() == nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func waitForWakeReturnsOnWakeOrTimeout() {
        let thread = ServiceThread<Void, Void>(name: "magnus-test-wake")
        #expect(!thread.waitForWake(timeout: 0.01))
        thread.wake()
        #expect(thread.waitForWake(timeout: 10))
        #expect(!thread.waitForWake(timeout: 0))
    }

    @Test(.timeLimit(.minutes(1)))
    func aChannelDeliversValuesInOrderAcrossThreads() {
        let channel = ThreadChannel<Int>()
        #expect(channel.receive(timeout: 0.01) == nil)
        channel.send(1)
        channel.send(2)
        #expect(channel.receive() == 1)
        #expect(channel.takeAll() == [2])
        #expect(channel.takeAll() == [])
        #expect(channel.receive(timeout: 0) == nil, "a value taken by takeAll is not received again")

        let replies = ThreadChannel<Int>()
        let echo = ServiceThread<Void, Void>(name: "magnus-test-echo")
        echo.start { _ in
            while let value = channel.receive(), value >= 0 { replies.send(value * 10) }
        }
        for value in 1...100 { channel.send(value) }
        channel.send(-1)
        var received: [Int] = []
        while received.count < 100, let value = replies.receive(timeout: 10) { received.append(value) }
        #expect(received == (1...100).map { $0 * 10 })
        guard case .returned? = echo.join(timeout: 10) else {
            Issue.record("the echo thread did not end")
            return
        }
    }
}
