import Client
import CoordinatorShell
import ServiceSupport
import Shared

/// `magnus keygen --out DIR NAME`: a CURVE keypair in `DIR/NAME.key` (secret, mode 0600)
/// and `DIR/NAME.pub` (public), for `--curve-secret-key-file` and the allowlists.
enum KeygenCommand {
    static let specs: [OptionSpec] = [
        .value("out", "DIR", "Folder to write the two files in (created with mode 0700 if missing).", default: "."),
        .flag("force", "Overwrite existing files of that name."),
    ]

    static func run(_ arguments: [String]) throws {
        let options = try CommandOptions(
            command: "magnus keygen", summary: "write a CURVE keypair: DIR/NAME.key (secret, mode 0600) and DIR/NAME.pub",
            specs: specs, arguments: arguments)
        if options.wantsHelp {
            return Console.out(
                options.help
                    + "\n\nNAME names the peer (letters, digits, '.', '_', '-'). Give NAME.pub to the coordinator's allowlist"
                    + " (--worker-keys or --client-keys: a file of keys or a folder of .pub files); keep NAME.key on the peer.")
        }
        if let text = options.requestedText { return Console.out(text) }
        guard options.positional.count == 1, let name = options.positional.first else {
            throw UsageError("magnus keygen: give one NAME (see --help)")
        }
        guard !name.isEmpty, name.count <= 128, !name.hasPrefix("."),
            name.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || "._-".unicodeScalars.contains($0) })
        else {
            throw UsageError("magnus keygen: NAME must be letters, digits, '.', '_' or '-', got '\(name)'")
        }
        let keypair = CurveKeypair.generate()
        let paths = try KeyFiles.writeKeypair(keypair, name: name, in: options.string("out")!, overwrite: options.flag("force"))
        Console.out("\(paths.secret) (secret, mode 0600)\n\(paths.public)\npublic key: \(keypair.publicKey)")
    }
}
