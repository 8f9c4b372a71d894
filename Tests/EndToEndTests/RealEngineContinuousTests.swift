import Client
import Foundation
import ServiceSupport
import Shared
import Testing

/// End to end on the real engine's continuous mode: the coordinator under `magnus-cb` and two
/// `magnus-worker --continuous --engine real` executables, each driving transformers'
/// continuous batching in its engine process. The texts must equal what the same model
/// generates for each request alone (a `vs:1` cluster of static workers, one request per
/// batch, greedy), run in the same test. Skipped without the engine's Python environment.
@Suite(
    "End to end on the real engine's continuous mode", .serialized,
    .enabled("needs the engine's Python environment: run deploy/setup-engine.sh") { RealEngineEnvironment.isAvailable })
struct RealEngineContinuousTests {
    /// Short real prompts of several applications.
    static func submits(prefix: String, maxNewTokens: Int, stream: Bool = false) -> [SubmitMessage] {
        let prompts: [(String, String)] = [
            ("gec", "She go to school every days."), ("mt_en_zh", "The weather is nice today."),
            ("detox", "This idea is stupid and you are an idiot."), ("code_comment", "def add(a, b): return a + b"),
            ("bugfix", "for i in range(10) print(i)"), ("llm_chat", "Name three colours."),
        ]
        return prompts.enumerated().map { index, pair in
            let application = Application.forTask(pair.0)
            return SubmitMessage(
                id: RequestID("\(prefix)-\(index)"), application: application.name, instruction: application.instruction,
                input: pair.1, maxNewTokens: maxNewTokens, stream: stream ? true : nil)
        }
    }

    /// The texts a cluster answers, by request number.
    static func texts(of run: ClientRun, _ cluster: Cluster) -> [Int: String] {
        #expect(run.unanswered.isEmpty, "\(run.unanswered.count) unanswered\n\(cluster.logs())")
        #expect(run.duplicates.isEmpty && run.protocolErrors.isEmpty)
        var texts: [Int: String] = [:]
        for result in run.results {
            if let number = result.id.rawValue.split(separator: "-").last.flatMap({ Int($0) }) { texts[number] = result.text }
        }
        return texts
    }

    static func run(model: String, continuous: Bool, maxNewTokens: Int) throws -> [Int: String] {
        let cluster = try Cluster(
            workers: 2, timeScale: 1, coordinatorArguments: ["--policy", continuous ? "magnus-cb" : "vs:1"],
            workerArguments: RealEngineEnvironment.workerArguments + ["--model", model] + (continuous ? ["--continuous"] : []),
            startTimeout: 300)
        defer { cluster.stop() }
        let client = try MagnusClient(endpoint: cluster.clientEndpoint)
        let submits = Self.submits(prefix: continuous ? "cb" : "single", maxNewTokens: maxNewTokens, stream: continuous)
        let run = try client.run(submits, timeout: 240)
        let texts = Self.texts(of: run, cluster)
        if continuous {
            // Both workers took part, each request reported by itself.
            #expect(Set(run.results.map(\.worker.rawValue)).count == 2, "\(run.results.map(\.worker))\n\(cluster.logs())")
            #expect(run.results.allSatisfy { $0.firstTokenMilliseconds != nil })
            // Streamed text (a piece at every 16 tokens) is the start of each final answer.
            #expect(run.streamed.values.contains { !$0.text.isEmpty }, "no request streamed any text\n\(cluster.logs())")
            for result in run.results {
                guard let streamed = run.streamed[result.id] else { continue }
                #expect(
                    streamed.remainder(of: result.text) != nil,
                    "\(result.id): streamed \(streamed.text) is not the start of \(result.text)")
            }
        }
        cluster.stop()
        #expect(cluster.workers.values.allSatisfy { $0.terminationStatus == 0 }, "\(cluster.logs())")
        cluster.removeFiles()
        return texts
    }

    @Test(.timeLimit(.minutes(4)), arguments: ["tiny-random", "smollm2"])
    func continuousWorkersAnswerWithTheTextOfASingleRequestRun(model: String) throws {
        let single = try Self.run(model: model, continuous: false, maxNewTokens: 24)
        let continuous = try Self.run(model: model, continuous: true, maxNewTokens: 24)
        #expect(single.count == 6 && continuous.count == 6)
        for (number, text) in single.sorted(by: { $0.key < $1.key }) {
            #expect(continuous[number] == text, "request \(number): continuous \(continuous[number] ?? "–") vs alone \(text)")
        }
        Console.error("\(model) continuous: \(continuous.count) answers equal to single-request greedy runs")
    }
}
