/// Per-task length statistics measured on the real task data (tokens by the default
/// counter), so the built-in generator mimics it without shipping any of its text.
/// Regenerate with `magnus measure-workload --data ../shared/data` (docs/workloads.md).
public enum BuiltInWorkload {
    /// Every measured task, the open-chat data (`llm_chat`) last.
    public static let statistics: [TaskLengthStatistics] = [
        .init(task: "mt_en_zh", rows: 9376, logInputMean: 3.3295, logInputStd: 0.5914, minInput: 1, maxInput: 141, intercept: 1.2305, slope: 0.896, residualStd: 0.2283, maxOutput: 345),
        .init(task: "mt_zh_en", rows: 7379, logInputMean: 4.2295, logInputStd: 0.5776, minInput: 2, maxInput: 351, intercept: -0.6232, slope: 0.9442, residualStd: 0.2346, maxOutput: 164),
        .init(task: "gec", rows: 10000, logInputMean: 3.1741, logInputStd: 0.653, minInput: 4, maxInput: 204, intercept: 0.0249, slope: 0.9929, residualStd: 0.1082, maxOutput: 176),
        .init(task: "detox", rows: 11929, logInputMean: 2.4816, logInputStd: 0.3674, minInput: 3, maxInput: 26, intercept: -0.1574, slope: 0.9902, residualStd: 0.2798, maxOutput: 28),
        .init(task: "code_java_cs", rows: 11794, logInputMean: 3.6241, logInputStd: 0.6876, minInput: 10, maxInput: 352, intercept: 0.4988, slope: 0.9245, residualStd: 0.3282, maxOutput: 352),
        .init(task: "code_cs_java", rows: 11794, logInputMean: 3.8492, logInputStd: 0.7154, minInput: 9, maxInput: 352, intercept: 0.3369, slope: 0.854, residualStd: 0.3155, maxOutput: 352),
        .init(task: "bugfix", rows: 12000, logInputMean: 4.3147, logInputStd: 0.5555, minInput: 7, maxInput: 187, intercept: -0.1592, slope: 1.0192, residualStd: 0.2611, maxOutput: 183),
        .init(task: "code_comment", rows: 6647, logInputMean: 4.6793, logInputStd: 0.8848, minInput: 9, maxInput: 3051, intercept: 1.6519, slope: 0.2958, residualStd: 1.1605, maxOutput: 1702),
        .init(task: "llm_chat", rows: 9658, logInputMean: 3.1981, logInputStd: 0.8582, minInput: 3, maxInput: 489, intercept: 5.4192, slope: -0.0197, residualStd: 1.1188, maxOutput: 1895),
    ]

    /// The eight tasks of the paper's evaluation.
    public static var paperTasks: [TaskLengthStatistics] {
        statistics.filter { Application.paperTasks.contains($0.task) }
    }
}
