import CoordinatorShell
import ServiceSupport
import Shared

/// `magnus-coordinator`: parse options, start the service (log store, models, sockets), run it until a signal.
let configuration = Console.parsedOrExit { () throws(UsageError) in
    try CoordinatorOptions.parse(Array(CommandLine.arguments.dropFirst()))
}

let log = ServiceLog(component: "coordinator", minimum: configuration.logLevel, format: configuration.logFormat)
let service: CoordinatorService
do {
    // The service chooses its models on its own thread: the log store's, else the training data's, else the prior.
    service = CoordinatorService(configuration: configuration, log: log)
    _ = try service.start()
} catch {
    Console.fail("magnus-coordinator: \(error)", code: 1)
}

let trap = SignalTrap.drainThenStop(
    log: log, draining: "draining (send it again to stop at once)", drain: { service.drain() }, stop: { service.stop() })
Console.exit(withExtendedLifetime(trap) { service.wait() })
