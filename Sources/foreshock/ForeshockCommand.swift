import ArgumentParser

@main
struct ForeshockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "foreshock",
        abstract: "Early warnings from production telemetry.",
        discussion: """
            Exit codes: 0 success, 1 the command ran and found a problem, 2 bad input or usage.
            """,
        subcommands: [ScoreCommand.self, GateCommand.self, ReportCommand.self, IngestCommand.self, InspectCommand.self, QueryCommand.self,
                      SimulateCommand.self]
    )
}
