import Services
import Shared

/// `magnus-worker`: parse options, start the worker service, run until a signal.
let parsed: WorkerOptions.Parsed
do {
    let result = try WorkerOptions.parse(Array(CommandLine.arguments.dropFirst()))
    guard let options = result.parsed else {
        Console.out(result.help)
        Console.exit(0)
    }
    parsed = options
} catch {
    Console.fail(error.description)
}

let log = ServiceLog(component: "worker \(parsed.configuration.id)", minimum: parsed.logLevel)
let service = WorkerService(configuration: parsed.configuration, engine: parsed.engine, log: log)
do {
    try service.start()
} catch {
    Console.fail("magnus-worker: cannot connect to \(parsed.configuration.coordinatorEndpoint): \(error)", code: 1)
}

let trap = SignalTrap { signal, count in
    if count == 1 {
        log(.info, "signal \(signal): finishing the running batch, then leaving (send it again to stop at once)")
        service.drain()
    } else {
        service.stop()
    }
}
Console.exit(withExtendedLifetime(trap) { service.wait() })
