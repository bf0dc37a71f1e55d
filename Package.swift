// swift-tools-version: 6.1
//
// Foreshock: span-derived metrics, columnar storage, quantile sketches and early-warning
// anomaly detection. The module map is described in docs/ARCHITECTURE.md.
import PackageDescription

let package = Package(
    name: "Foreshock",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Foreshock", targets: ["Foreshock"]),
        .library(name: "ForeshockStorage", targets: ["ForeshockStorage"]),
        .library(name: "ForeshockDetection", targets: ["ForeshockDetection"]),
        .library(name: "ForeshockSketches", targets: ["ForeshockSketches"]),
        .library(name: "ForeshockTelemetry", targets: ["ForeshockTelemetry"]),
        .library(name: "ForeshockSimulation", targets: ["ForeshockSimulation"]),
        .executable(name: "foreshock", targets: ["foreshock"]),
        .executable(name: "foreshock-server", targets: ["foreshock-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // System libzstd (Debian: libzstd-dev), found through pkg-config.
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
        ),
        // Hardware CRC-32C (SSE4.2), chosen at run time; the Swift table code is the fallback.
        .target(name: "CForeshockCRC32C"),
        .target(
            name: "ForeshockStorage",
            dependencies: ["CZstd", "CForeshockCRC32C"]
        ),
        .target(
            name: "ForeshockTelemetry",
            dependencies: ["ForeshockSketches"]
        ),
        .target(name: "ForeshockDetection"),
        // Deterministic span streams with injected incidents and their ground truth.
        .target(
            name: "ForeshockSimulation",
            dependencies: ["ForeshockTelemetry", "ForeshockSketches"]
        ),
        .target(name: "ForeshockSketches"),
        .target(
            name: "Foreshock",
            dependencies: [
                "ForeshockStorage",
                "ForeshockTelemetry",
                "ForeshockDetection",
                "ForeshockSketches",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "foreshock",
            dependencies: [
                "Foreshock",
                "ForeshockSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "foreshock-server",
            dependencies: [
                "Foreshock",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ForeshockStorageTests",
            dependencies: ["ForeshockStorage", "store-crash-writer", "ForeshockTestSupport"]
        ),
        // Test support shared by every test target (and the crash-test writer).
        .target(name: "ForeshockTestSupport", dependencies: ["ForeshockSimulation"], path: "Tests/Support"),
        // Test tool: a process the crash-safety tests kill with SIGKILL mid-write.
        .executableTarget(
            name: "store-crash-writer",
            dependencies: ["ForeshockStorage", "ForeshockTestSupport"],
            path: "Tests/Tools/StoreCrashWriter"
        ),
        .testTarget(
            name: "ForeshockTelemetryTests",
            dependencies: ["ForeshockTelemetry", "ForeshockSketches", "ForeshockTestSupport"]
        ),
        .testTarget(
            name: "ForeshockSketchesTests",
            dependencies: ["ForeshockSketches", "ForeshockTestSupport"]
        ),
        .testTarget(
            name: "ForeshockDetectionTests",
            dependencies: ["ForeshockDetection", "ForeshockTestSupport"]
        ),
        // Test tool: the engine under SIGKILL mid-ingest and mid-flush.
        .executableTarget(
            name: "engine-crash-writer",
            dependencies: ["Foreshock", "ForeshockTestSupport"],
            path: "Tests/Tools/EngineCrashWriter"
        ),
        // Test tool: the engine under a label explosion and a load burst (peak RSS, shed counts).
        .executableTarget(
            name: "engine-soak",
            dependencies: ["Foreshock", "ForeshockTestSupport"],
            path: "Tests/Tools/EngineSoak"
        ),
        .testTarget(
            name: "ForeshockServerTests",
            dependencies: ["foreshock-server"]
        ),
        .testTarget(
            name: "ForeshockCLITests",
            dependencies: ["foreshock"]
        ),
        .testTarget(
            name: "ForeshockSimulationTests",
            dependencies: ["ForeshockSimulation", "ForeshockTelemetry", "ForeshockSketches"]
        ),
        .testTarget(
            name: "ForeshockTests",
            dependencies: [
                "Foreshock", "ForeshockTestSupport", "engine-crash-writer", "engine-soak",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
