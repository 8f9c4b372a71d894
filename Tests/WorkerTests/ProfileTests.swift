import Shared
import Testing
import Worker

@Suite("Model, GPU and engine profiles")
struct ProfileTests {
    @Test("KV bytes per token and weight bytes of the built-in models")
    func modelFigures() {
        #expect(ModelProfile.chatGLM6B.kvBytesPerToken == 2 * 28 * 32 * 128 * 2)
        #expect(ModelProfile.chatGLM6B.kvBytesPerToken == 458_752)
        #expect(ModelProfile.llama2_7B.kvBytesPerToken == 524_288)
        #expect(ModelProfile.llama3_8B.kvBytesPerToken == 131_072)
        #expect(ModelProfile.chatGLM6B.weightBytes == 12_400_000_000)
        #expect(ModelProfile.llama2_7B.weightBytes == 13_480_000_000)
        #expect(ModelProfile.llama3_8B.weightBytes == 16_060_000_000)
        var quantised = ModelProfile.chatGLM6B
        quantised.bytesPerWeight = 0.5
        #expect(quantised.weightBytes == 3_100_000_000)
        #expect(quantised.kvBytesPerToken == 458_752)
    }

    @Test("Θ = memory − weights − fixed reserve − workspace reserve")
    func capabilities() {
        let profile = EngineProfile.v100ChatGLM6B
        let caps = profile.capabilities
        #expect(caps.gpu == "V100-SXM2-32GB")
        #expect(caps.model == "ChatGLM-6B")
        #expect(caps.memoryBytes == 34_359_738_368)
        #expect(caps.kvBudgetBytes == 34_359_738_368 - 12_400_000_000 - 1_073_741_824 - 4_294_967_296)
        #expect(caps.kvBytesPerToken == 458_752)
        #expect(caps.engine == "simulated")
        #expect(caps.kvTokenCapacity == caps.kvBudgetBytes / 458_752)
        let engine = SimulatedGPUEngine(profile: profile)
        #expect(engine.capabilities == caps)
        #expect(engine.isSimulated)
    }

    @Test("Lookup by name")
    func lookup() {
        #expect(EngineProfile.builtinNames == ["v100-chatglm6b", "a100-llama2-7b", "h100-llama3-8b"])
        for name in EngineProfile.builtinNames {
            #expect(EngineProfile.named(name)?.name == name)
        }
        #expect(EngineProfile.named("V100-ChatGLM6B") == .v100ChatGLM6B)
        #expect(EngineProfile.named("tpu-palm") == nil)
        #expect(EngineProfile.named("a100-llama2-7b")?.gpu.memoryBandwidth == 2039e9)
        #expect(EngineProfile.named("h100-llama3-8b")?.model.kvHeads == 8)
    }
}
