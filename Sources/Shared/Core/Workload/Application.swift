/// An application of the LMaaS setting: a named task with the instruction it prepends to
/// every user input.
public struct Application: Sendable, Hashable, Codable {
    public var name: String
    public var instruction: String

    public init(name: String, instruction: String) {
        self.name = name
        self.instruction = instruction
    }

    /// One realistic instruction per task of `shared/data` (the text an application would
    /// prepend), keyed by the task name in the files.
    public static let catalog: [String: Application] = {
        let pairs: [(String, String)] = [
            ("mt_en_zh", "Translate the following English text into Chinese:"),
            ("mt_zh_en", "Translate the following Chinese text into English:"),
            ("gec", "Correct the grammatical errors in the following sentence:"),
            ("detox", "Rewrite the following text so that it is polite and free of toxic language:"),
            ("code_java_cs", "Translate the following Java code into C#:"),
            ("code_cs_java", "Translate the following C# code into Java:"),
            ("bugfix", "Fix the bugs in the following code:"),
            ("code_comment", "Write a one-sentence comment describing what the following code does:"),
            ("llm_chat", "You are a helpful assistant. Answer the user's request:"),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.map { ($0.0, Application(name: $0.0, instruction: $0.1)) })
    }()

    /// The eight tasks of the paper's evaluation, in its order.
    public static let paperTasks = [
        "mt_en_zh", "mt_zh_en", "gec", "detox", "code_java_cs", "code_cs_java", "bugfix", "code_comment",
    ]

    /// Every task of `shared/data`: the paper's eight and open chat.
    public static let allTasks = paperTasks + ["llm_chat"]

    /// The file under `shared/data` that holds a task's records.
    public static func fileName(forTask task: String) -> String {
        task == "llm_chat" ? "llm_responses_alpaca_eval.jsonl" : "\(task).jsonl"
    }

    /// The application for a task, or a generic one for unknown task names.
    public static func forTask(_ task: String) -> Application {
        catalog[task] ?? Application(name: task, instruction: "Complete the following task:")
    }

    /// The application for a record. With `identifyingModel`, a record that names the model
    /// that answered it (open chat: 12 models answered the same prompts) belongs to one
    /// application per model, `<task>@<model>`, whose instruction names the model as a system
    /// prompt would: what a coordinator serving one model knows. Otherwise `forTask`.
    public static func forRecord(_ record: TaskRecord, identifyingModel: Bool = false) -> Application {
        let base = forTask(record.task)
        guard identifyingModel, let model = record.model, !model.isEmpty else { return base }
        return Application(name: "\(record.task)\(modelSeparator)\(model)", instruction: "You are \(model). " + base.instruction)
    }

    /// Separates task and model in the name of a per-model application.
    public static let modelSeparator: Character = "@"

    /// The task an application name belongs to (`llm_chat@gpt4_0613` → `llm_chat`).
    public static func task(ofApplication name: String) -> String {
        name.firstIndex(of: modelSeparator).map { String(name[..<$0]) } ?? name
    }
}
