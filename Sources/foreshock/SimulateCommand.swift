import ArgumentParser
import ForeshockSimulation
import Foundation

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Generate the span-derived scenario series and their ground truth (Datasets/scenarios).",
        discussion: """
            Runs a deterministic span stream of a small online shop (see ForeshockSimulation) \
            through the span aggregator and writes, per scenario, one-minute CSVs of its watched \
            series and truth.json (incidents with start, end and threshold-breach minute). The \
            output is identical on every run.

            Examples:
              foreshock simulate --list
              foreshock simulate --out Datasets/scenarios
              foreshock simulate --scenario spikes --out /tmp/scenarios
            """
    )

    @Option(help: "A scenario to generate (repeatable; default: all of the catalogue).")
    var scenario: [String] = []

    @Option(help: "Output directory (one folder per scenario).")
    var out: String?

    @Option(help: "Replace every scenario's seed (a held-out draw of the same scenarios; the committed data uses the catalogue's seeds).")
    var seed: UInt64?

    @Flag(help: "List the scenarios and exit.")
    var list = false

    func run() throws {
        if list {
            for entry in SimulationScenario.catalogue { print("\(entry.name)\t\(entry.summary)") }
            return
        }
        guard let out else { throw ValidationError("--out is required (or --list)") }
        var chosen: [SimulationScenario] = []
        for name in scenario {
            guard let found = SimulationScenario.named(name) else {
                throw ValidationError("unknown scenario \(name); known: \(SimulationScenario.catalogue.map(\.name).joined(separator: ", "))")
            }
            chosen.append(found)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        for var entry in chosen.isEmpty ? SimulationScenario.catalogue : chosen {
            if let seed { entry.seed = seed &+ entry.seed }
            let generated = ScenarioSeries(scenario: entry)
            let folder = (out as NSString).appendingPathComponent(entry.name)
            for series in generated.series {
                try AtomicFile.write(ScenarioSeries.csv(series), to: (folder as NSString).appendingPathComponent(series.watch.fileName))
                if let counts = ScenarioSeries.countsCSV(series) {
                    try AtomicFile.write(counts, to: (folder as NSString).appendingPathComponent(series.watch.countsFileName))
                }
            }
            let truth = String(decoding: try encoder.encode(generated.truth), as: UTF8.self) + "\n"
            try AtomicFile.write(truth, to: (folder as NSString).appendingPathComponent("truth.json"))
            print("\(entry.name): \(generated.spanCount) spans, \(generated.series.count) series -> \(folder)")
        }
    }
}
