/// Per-task length statistics measured on the real task data (tokens by the default
/// counter), so the built-in generator mimics it without shipping any of its text.
/// Regenerate with `magnus measure-workload --data ../shared/data` (docs/workloads.md).
public enum BuiltInWorkload {
    /// Every measured task, the open-chat data (`llm_chat`) last.
    public static let statistics: [TaskLengthStatistics] = [
        .init(task: "mt_en_zh", rows: 9376, logInputMean: 3.5929, logInputStd: 0.5936, minInput: 1, maxInput: 184, intercept: 0.3511, slope: 0.9049, residualStd: 0.229, maxOutput: 184),
        .init(task: "mt_zh_en", rows: 7379, logInputMean: 3.6137, logInputStd: 0.5841, minInput: 1, maxInput: 187, intercept: 0.2538, slope: 0.9361, residualStd: 0.2309, maxOutput: 199),
        .init(task: "gec", rows: 10000, logInputMean: 3.417, logInputStd: 0.6563, minInput: 5, maxInput: 269, intercept: 0.026, slope: 0.9931, residualStd: 0.1023, maxOutput: 225),
        .init(task: "detox", rows: 11929, logInputMean: 2.6946, logInputStd: 0.3793, minInput: 4, maxInput: 33, intercept: -0.1883, slope: 1.0035, residualStd: 0.2793, maxOutput: 34),
        .init(task: "code_java_cs", rows: 11794, logInputMean: 3.9175, logInputStd: 0.6563, minInput: 12, maxInput: 427, intercept: 0.3619, slope: 0.9633, residualStd: 0.3209, maxOutput: 435),
        .init(task: "code_cs_java", rows: 11794, logInputMean: 4.1357, logInputStd: 0.709, minInput: 12, maxInput: 435, intercept: 0.504, slope: 0.8254, residualStd: 0.2971, maxOutput: 427),
        .init(task: "bugfix", rows: 12000, logInputMean: 4.4245, logInputStd: 0.5385, minInput: 8, maxInput: 208, intercept: -0.143, slope: 1.0157, residualStd: 0.2512, maxOutput: 203),
        .init(task: "code_comment", rows: 6647, logInputMean: 4.8444, logInputStd: 0.8774, minInput: 9, maxInput: 3543, intercept: 1.886, slope: 0.2936, residualStd: 1.1136, maxOutput: 1961),
        .init(task: "llm_chat", rows: 9658, logInputMean: 3.4487, logInputStd: 0.8583, minInput: 4, maxInput: 587, intercept: 5.6243, slope: -0.0087, residualStd: 1.1251, maxOutput: 2203),
    ]

    /// The eight tasks of the paper's evaluation.
    public static var paperTasks: [TaskLengthStatistics] {
        statistics.filter { Application.paperTasks.contains($0.task) }
    }
}
