import ServiceSupport
import WorkerShell
import Shared
import Worker

/// `magnus-worker`: parse options, start the worker service, run until a signal.
let parsed = Console.parsedOrExit { () throws(UsageError) in
    try WorkerOptions.parse(Array(CommandLine.arguments.dropFirst()))
}

let log = ServiceLog(component: "worker \(parsed.configuration.id)", minimum: parsed.logLevel, format: parsed.logFormat)
// `--engine real`: start the engine process first; its hello gives the capabilities.
let realEngine: TransformersEngine?
if let settings = parsed.realEngine {
    log(.info, "starting the real engine: model \(settings.model), device \(settings.device)")
    do {
        realEngine = try TransformersEngine.start(settings, log: log)
    } catch {
        Console.fail("magnus-worker: \(error.description)", code: 1)
    }
} else {
    realEngine = nil
}
// `--continuous --engine real`: the engine process runs transformers' continuous batching.
var continuousEngine: (any ContinuousEngine)? = parsed.continuousEngine
if let realEngine, parsed.realEngine?.continuous == true {
    do {
        continuousEngine = try ContinuousTransformersEngine(engine: realEngine)
    } catch {
        realEngine.shutdown()
        Console.fail("magnus-worker: \(error.description)", code: 1)
    }
}
let service = WorkerService(
    configuration: parsed.configuration, engine: realEngine.map { $0 as any InferenceEngine } ?? parsed.engine,
    continuousEngine: continuousEngine, log: log)
do {
    try service.start()
} catch {
    realEngine?.shutdown()
    Console.fail("magnus-worker: cannot connect to \(parsed.configuration.coordinatorEndpoint): \(error)", code: 1)
}
// An engine that keeps failing: leave the cluster rather than fault every batch.
realEngine?.onGiveUp { service.drain() }

let trap = SignalTrap.drainThenStop(
    log: log, draining: "finishing the running batch, then leaving (send it again to stop at once)",
    drain: { service.drain() }, stop: { service.stop() })
let status = withExtendedLifetime(trap) { service.wait() }
realEngine?.shutdown()
Console.exit(realEngine?.hasGivenUp == true ? 1 : status)
