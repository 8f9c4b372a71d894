// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

// Folders by process, then by layer (docs/architecture.md):
//   Sources/Shared       what every process and the clients use: values and wire protocol,
//                        the ZeroMQ transport, service support (logging, signals, CURVE keys)
//   Sources/Coordinator  the coordinator: its pure core, its log store, its shell, its executable
//   Sources/Worker       the worker agent: its pure core (session, engines), its shell, its executable
//   Sources/Client       the client library and the load generator
//   Sources/Simulation   the discrete-event simulator over the coordinator core, and the benchmarks
let package = Package(
    name: "Magnus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "magnus", targets: ["magnus"]),
        .executable(name: "magnus-coordinator", targets: ["magnus-coordinator"]),
        .executable(name: "magnus-worker", targets: ["magnus-worker"]),
    ],
    targets: [
        // C libraries from Debian, wrapped as system-library targets.
        .systemLibrary(name: "CZeroMQ", path: "Sources/System/CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CXGBoost", path: "Sources/System/CXGBoost", providers: [.apt(["libxgboost-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/System/CSQLite", providers: [.apt(["libsqlite3-dev"])]),

        // MARK: Shared by every process and the clients
        // Value types, the wire protocol, tokenization, workloads, command-line helpers. Pure.
        .target(name: "Shared", path: "Sources/Shared/Core", swiftSettings: strict),
        // ZeroMQ sockets, poller, CURVE and ZAP: the only code that touches the network.
        .target(name: "Transport", dependencies: ["CZeroMQ", "Shared"], path: "Sources/Shared/Transport", swiftSettings: strict),
        // What every service process needs around its core: log lines, signals, parent watch,
        // the monotonic clock, CURVE key files.
        .target(
            name: "ServiceSupport", dependencies: ["Shared", "Transport"], path: "Sources/Shared/ServiceSupport",
            swiftSettings: strict),

        // MARK: The coordinator process
        // The pure coordinator core: prediction, batching, estimation, the `Scheduler`, the
        // learning rules, and the coordinator state machine (`CoordinatorRuntime`): events in,
        // actions out, time passed in. No socket, thread, file or clock.
        .target(name: "Coordinator", dependencies: ["Shared"], path: "Sources/Coordinator/Core", swiftSettings: strict),
        // The coordinator's durable log store: request journal, batch log, persisted models (SQLite).
        .target(
            name: "Storage", dependencies: ["CSQLite", "Coordinator", "Shared"], path: "Sources/Coordinator/Storage",
            swiftSettings: strict),
        // The coordinator's shell: configuration, sockets and the service loop, the journal
        // writer and retraining threads, start-up, security.
        .target(
            name: "CoordinatorShell",
            dependencies: ["Coordinator", "Storage", "Worker", "Transport", "ServiceSupport", "Shared"],
            path: "Sources/Coordinator/Shell", swiftSettings: strict),
        .executableTarget(
            name: "magnus-coordinator", dependencies: ["CoordinatorShell"], path: "Sources/Coordinator/Executable",
            swiftSettings: strict),

        // MARK: The worker agent
        // The worker's pure core: the session state machine, batch execution, the inference
        // engine interface and the simulated GPU with its profiles.
        .target(name: "Worker", dependencies: ["Shared"], path: "Sources/Worker/Core", swiftSettings: strict),
        // The worker's shell: the socket loop and the real engine's Python process.
        .target(
            name: "WorkerShell", dependencies: ["Worker", "Transport", "ServiceSupport", "Shared"],
            path: "Sources/Worker/Shell", swiftSettings: strict),
        .executableTarget(
            name: "magnus-worker", dependencies: ["WorkerShell"], path: "Sources/Worker/Executable", swiftSettings: strict),

        // MARK: Clients, simulation, benchmarks, tools
        // The Swift client library, the status subscriber and the paced load generator.
        .target(name: "Client", dependencies: ["Shared", "Transport", "ServiceSupport"], swiftSettings: strict),
        // Discrete-event simulator and the benchmark harness over the coordinator core.
        .target(name: "Simulation", dependencies: ["Coordinator", "Worker", "Shared"], swiftSettings: strict),
        // Benchmarks of the real coordinator service over loopback.
        .target(
            name: "ServiceBenchmarks", dependencies: ["CoordinatorShell", "Client", "Transport", "Coordinator", "Shared"],
            path: "Sources/Benchmarks", swiftSettings: strict),
        // XGBoost random-forest regressor, used for the forest comparison benchmark.
        .target(name: "XGBoostRegressor", dependencies: ["CXGBoost", "Coordinator"], swiftSettings: strict),
        // The operator's and developer's command: submit, load, status, bench, keygen.
        .executableTarget(
            name: "magnus",
            dependencies: [
                "Client", "CoordinatorShell", "ServiceBenchmarks", "ServiceSupport", "Simulation", "XGBoostRegressor",
            ],
            swiftSettings: strict),
        // libFuzzer target over the wire decoders and the coordinator runtime; scripts/fuzz.sh
        // builds it with -sanitize=fuzzer. A normal build gives a replayer of inputs.
        .executableTarget(name: "MagnusFuzz", dependencies: ["CoordinatorShell", "Coordinator"], swiftSettings: strict),

        // MARK: Tests
        // Fixtures and shorthands shared by the test targets.
        .target(name: "MagnusTestSupport", dependencies: ["Coordinator", "Shared"], path: "Tests/Support", swiftSettings: strict),
        .testTarget(name: "SharedTests", dependencies: ["Shared"], swiftSettings: strict),
        .testTarget(name: "TransportTests", dependencies: ["Transport"], swiftSettings: strict),
        .testTarget(name: "CoordinatorTests", dependencies: ["Coordinator", "MagnusTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "StorageTests", dependencies: ["Storage", "CoordinatorShell", "MagnusTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "CoordinatorServiceTests",
            dependencies: [
                "Coordinator", "CoordinatorShell", "Storage", "Worker", "WorkerShell", "Client", "ServiceSupport",
                "Transport", "Shared", "MagnusTestSupport",
            ],
            swiftSettings: strict),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "WorkerShell"], swiftSettings: strict),
        .testTarget(name: "ClientTests", dependencies: ["Client", "ServiceSupport", "Transport", "Shared"], swiftSettings: strict),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "MagnusTestSupport"], swiftSettings: strict),
        .testTarget(name: "XGBoostRegressorTests", dependencies: ["XGBoostRegressor"], swiftSettings: strict),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["CoordinatorShell", "WorkerShell", "Client", "ServiceSupport", "Transport", "Storage"],
            swiftSettings: strict),
    ]
)
