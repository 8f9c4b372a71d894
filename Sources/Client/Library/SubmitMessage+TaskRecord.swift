import ServiceSupport
import Shared

extension SubmitMessage {
    /// A submit for one task-file record (`shared/data` format): the application's
    /// instruction, the record's input, and the reference output's token count as the
    /// simulation hint, so that a simulated cluster generates the real length.
    public init(id: RequestID, record: TaskRecord, maxNewTokens: Int? = nil, counter: some TokenCounter = HeuristicTokenCounter()) {
        let application = Application.forTask(record.task)
        self.init(
            id: id, application: application.name, instruction: application.instruction, input: record.input,
            maxNewTokens: maxNewTokens, simulatedOutputTokens: max(1, counter.count(record.reference)))
    }
}
