// The fuzz target's entry point. Built by scripts/fuzz.sh with `-sanitize=fuzzer
// -DMAGNUS_FUZZ`, `main` hands over to libFuzzer's driver, which feeds inputs to
// `FuzzTarget.run`; in a normal build the executable replays files given on the command line
// instead (a crash file, a corpus).
import Foundation
import Shared

/// The input callback libFuzzer's driver references.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    FuzzTarget.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if MAGNUS_FUZZ
/// libFuzzer's entry point for programs with their own `main` (LLVM 11 and later).
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

/// `MagnusFuzz [libFuzzer options] [CORPUS...]` under scripts/fuzz.sh; `MagnusFuzz FILE|DIR...`
/// in a normal build, to replay inputs.
@main
enum MagnusFuzz {
    static func main() {
        #if MAGNUS_FUZZ
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        Console.exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
        #else
        replay(Array(CommandLine.arguments.dropFirst()))
        #endif
    }

    /// Runs every file (or every file of a folder) through the target once.
    static func replay(_ paths: [String]) {
        guard !paths.isEmpty else {
            Console.error("usage: MagnusFuzz FILE|DIR... (scripts/fuzz.sh builds the libFuzzer binary)")
            Console.exit(2)
        }
        var count = 0
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                Console.fail("MagnusFuzz: no such file \(path)")
            }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 } : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                FuzzTarget.run([UInt8](data))
                count += 1
            }
        }
        Console.out("MagnusFuzz: \(count) inputs replayed, no crash")
    }
}
