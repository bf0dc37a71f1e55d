import ArgumentParser
import Foreshock

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a data directory's statistics: series, blocks, bytes per sample, codecs.",
        discussion: "Example:\n  foreshock inspect --data-dir /tmp/nab-store"
    )

    @Option(name: .long, help: "The store's data directory.")
    var dataDir: String

    @Flag(help: "Also list every series.")
    var series = false

    func run() throws {
        try runReportingErrors {
            guard FileSystemCheck.isDirectory(dataDir) else { throw CLIError("no data directory at \(dataDir)") }
            let store = try Store(directory: dataDir)
            reportRecovery(store)
            print(StoreSummary(store.statistics(), directoryBytes: FileSystemCheck.treeBytes(dataDir)).text)
            if series { for key in store.series() { print(key.description) } }
            try store.close()
        }
    }
}
