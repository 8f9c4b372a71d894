import Services
import Shared

/// `magnus-coordinator`: parse options, build the scheduler, run the service until a signal.
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

let log = ServiceLog(component: "coordinator", minimum: LogLevel(name: configuration.logLevel) ?? .info)
let service: CoordinatorService
do {
    let predictor = try PredictorBootstrap.predictor(configuration, log: log)
    service = CoordinatorService(
        configuration: configuration, scheduler: try PredictorBootstrap.scheduler(configuration, predictor: predictor), log: log)
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
