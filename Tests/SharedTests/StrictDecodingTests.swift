import Shared
import Testing

/// What the coordinator receives is decoded strictly: a field the message type does not
/// read is refused by name, at any depth; what peers receive stays lenient.
@Suite("Strict decoding")
struct StrictDecodingTests {
    private func failure(_ text: String, _ decode: ([UInt8]) throws(MagnusError) -> Void) -> MagnusError? {
        do {
            try decode(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    private func client(_ text: String) -> MagnusError? {
        failure(text) { bytes throws(MagnusError) in _ = try ClientMessage.decode(bytes) }
    }

    private func worker(_ text: String) -> MagnusError? {
        failure(text) { bytes throws(MagnusError) in _ = try WorkerMessage.decode(bytes) }
    }

    @Test func unknownTopLevelFieldsAreRefusedByName() throws {
        let error = try #require(client(#"{"v":1,"type":"submit","id":"x","application":"a","instruction":"i","input":"t","priority":9}"#))
        #expect(error.code == .malformedMessage)
        #expect(error.message.contains("'priority'"), "\(error.message)")
        let ping = try #require(client(#"{"v":1,"type":"ping","nonce":"n","extra":null}"#))
        #expect(ping.message.contains("'extra'"))
        let many = try #require(client(#"{"v":1,"type":"cancel","id":"x","a":1,"b":2,"c":3,"d":4,"e":5}"#))
        #expect(many.message.contains("and 2 more"), "\(many.message)")
    }

    @Test func unknownNestedFieldsAreRefusedWithTheirPath() throws {
        let hello = #"{"v":1,"type":"hello","worker":"w","protocol_version":1,"capabilities":{"gpu":"g","model":"m","memory_bytes":1,"kv_budget_bytes":1,"kv_bytes_per_token":1,"max_batch_size":0,"engine":"simulated","colour":"red"}}"#
        #expect(try #require(worker(hello)).message.contains("'capabilities.colour'"))
        let result = #"{"v":1,"type":"result","batch_id":1,"duration":1,"outputs":[{"id":"a","text":"t","generated_tokens":1},{"id":"b","text":"t","generated_tokens":1,"score":2}]}"#
        #expect(try #require(worker(result)).message.contains("'outputs[1].score'"))
    }

    @Test func knownFieldsAndNullOptionalsPass() throws {
        let submit = #"{"v":1,"type":"submit","id":"x","application":"a","instruction":"i","input":"t","input_tokens":null,"max_new_tokens":5,"deadline_ms":null,"sim_output_tokens":3}"#
        guard case .submit(let decoded) = try ClientMessage.decode(Array(submit.utf8)) else {
            Issue.record("not a submit")
            return
        }
        #expect(decoded.maxNewTokens == 5 && decoded.inputTokens == nil && decoded.simulatedOutputTokens == 3)
        #expect(client(#"{"v":1,"type":"ping"}"#) == nil)
        #expect(worker(#"{"v":1,"type":"heartbeat","batch_id":null}"#) == nil)
    }

    @Test func mistypedAndMissingFieldsStillNameTheField() throws {
        #expect(try #require(worker(#"{"v":1,"type":"heartbeat","batch_id":"one"}"#)).message.contains("batch_id"))
        let missing = try #require(worker(#"{"v":1,"type":"result","batch_id":1,"outputs":[]}"#))
        #expect(missing.code == .malformedMessage && missing.message.contains("duration"))
        let nested = try #require(worker(#"{"v":1,"type":"result","batch_id":1,"duration":1,"outputs":[{"id":"a","text":"t"}]}"#))
        #expect(nested.message.contains("generated_tokens"), "\(nested.message)")
    }

    @Test func flatMessagesListEveryFieldTheyEncode() throws {
        func encoded(_ message: ClientMessage) throws -> Set<String> {
            Set(try WireCodec.header(of: message.payload).fields).subtracting(["v", "type"])
        }
        let submit = SubmitMessage(
            id: RequestID("x"), application: "a", instruction: "i", input: "t", inputTokens: 1, maxNewTokens: 2,
            deadlineMilliseconds: 3, simulatedOutputTokens: 4, stream: true)
        #expect(try encoded(.submit(submit)) == SubmitMessage.fieldNames)
        #expect(try encoded(.cancel(CancelMessage(id: RequestID("x")))) == CancelMessage.fieldNames)
        #expect(try encoded(.ping(PingMessage(nonce: "n"))) == PingMessage.fieldNames)
    }

    @Test func repliesToPeersStayLenient() throws {
        let reply = #"{"v":1,"type":"pong","nonce":"n","uptime":1,"queue_depth":0,"workers":1,"draining":false,"added_later":true}"#
        guard case .pong(let pong) = try CoordinatorReply.decode(Array(reply.utf8)) else {
            Issue.record("not a pong")
            return
        }
        #expect(pong.workers == 1)
    }
}
