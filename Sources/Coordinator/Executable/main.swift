import CoordinatorShell
import ServiceSupport
import Shared

/// `magnus-coordinator`: parse options, start the service (log store, models, sockets), run it until a signal.
let configuration: CoordinatorConfiguration
do {
    let parsed = try CoordinatorOptions.parse(Array(CommandLine.arguments.dropFirst()))
    guard let parsedConfiguration = parsed.configuration else {
        Console.out(parsed.help)
        Console.exit(0)
    }
    configuration = parsedConfiguration
} catch {
    Console.fail(error.description)
}

let log = ServiceLog(component: "coordinator", minimum: configuration.logLevel)
let service: CoordinatorService
do {
    // The service chooses its models on its own thread: the log store's, else the training data's, else the prior.
    service = CoordinatorService(configuration: configuration, log: log)
    _ = try service.start()
} catch {
    Console.fail("magnus-coordinator: \(error)", code: 1)
}

let trap = SignalTrap { signal, count in
    if count == 1 {
        log(.info, "signal \(signal): draining (send it again to stop at once)")
        service.drain()
    } else {
        service.stop()
    }
}
Console.exit(withExtendedLifetime(trap) { service.wait() })
