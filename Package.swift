// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

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
        .systemLibrary(
            name: "CZeroMQ", path: "Sources/CZeroMQ",
            providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(
            name: "CXGBoost", path: "Sources/CXGBoost",
            providers: [.apt(["libxgboost-dev"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite",
            providers: [.apt(["libsqlite3-dev"])]),

        // Value types, wire protocol, tokenization, workloads: shared by every process.
        .target(name: "Shared", swiftSettings: strict),
        // The pure scheduling core: prediction, batching, estimation, scheduling, learning.
        .target(name: "Coordinator", dependencies: ["Shared"], swiftSettings: strict),
        // Inference engines (simulated GPU, real engine client) and the worker's pure logic.
        .target(name: "Worker", dependencies: ["Shared"], swiftSettings: strict),
        // ZeroMQ sockets and framing: the only code that touches the network.
        .target(name: "Transport", dependencies: ["CZeroMQ", "Shared"], swiftSettings: strict),
        // Discrete-event simulator and the benchmark harness over the same core.
        .target(name: "Simulation", dependencies: ["Coordinator", "Worker", "Shared"], swiftSettings: strict),
        // Real-time drivers: coordinator and worker services over ZeroMQ.
        .target(
            name: "Services", dependencies: ["Coordinator", "Worker", "Transport", "Shared", "Storage"],
            swiftSettings: strict),
        // XGBoost random-forest regressor, used for the forest comparison benchmark.
        .target(name: "XGBoostRegressor", dependencies: ["CXGBoost", "Coordinator"], swiftSettings: strict),

        // The durable log store: request journal, batch log, persisted models (SQLite).
        .target(name: "Storage", dependencies: ["CSQLite", "Coordinator", "Shared"], swiftSettings: strict),

        // Thin executables.
        .executableTarget(name: "magnus-coordinator", dependencies: ["Services"], swiftSettings: strict),
        .executableTarget(name: "magnus-worker", dependencies: ["Services"], swiftSettings: strict),
        .executableTarget(
            name: "magnus", dependencies: ["Services", "Simulation", "XGBoostRegressor"], swiftSettings: strict),
        // libFuzzer target over the wire decoders and the coordinator runtime; scripts/fuzz.sh
        // builds it with -sanitize=fuzzer. A normal build gives a replayer of inputs.
        .executableTarget(name: "MagnusFuzz", dependencies: ["Services"], swiftSettings: strict),

        .testTarget(name: "SharedTests", dependencies: ["Shared"], swiftSettings: strict),
        .testTarget(name: "CoordinatorTests", dependencies: ["Coordinator"], swiftSettings: strict),
        .testTarget(name: "WorkerTests", dependencies: ["Worker"], swiftSettings: strict),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation"], swiftSettings: strict),
        .testTarget(name: "TransportTests", dependencies: ["Transport"], swiftSettings: strict),
        .testTarget(name: "StorageTests", dependencies: ["Storage"], swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["Services", "Transport", "Storage"], swiftSettings: strict),
        .testTarget(name: "XGBoostRegressorTests", dependencies: ["XGBoostRegressor"], swiftSettings: strict),
        .testTarget(
            name: "ServicesTests", dependencies: ["Services", "Coordinator", "Worker", "Shared", "Storage", "Transport"],
            swiftSettings: strict),
    ]
)
