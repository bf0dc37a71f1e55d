// swift-tools-version: 6.1
//
// Foreshock's benchmarks (ordo-one package-benchmark), kept in their own package so that the
// library's users do not resolve the benchmark toolchain.
//
// Run from this folder:  swift package benchmark            (all suites)
//                        swift package benchmark --target StorageBenchmarks
import PackageDescription

let package = Package(
    name: "ForeshockBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Foreshock", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .executableTarget(
            name: "StorageBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Foreshock", package: "Foreshock"),
                "CZstdPeer",
            ],
            path: "StorageBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "SketchBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ForeshockSketches", package: "Foreshock"),
                .product(name: "ForeshockSimulation", package: "Foreshock"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "SketchBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "DetectionBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ForeshockDetection", package: "Foreshock"),
            ],
            path: "DetectionBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "TelemetryBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "ForeshockTelemetry", package: "Foreshock"),
                .product(name: "ForeshockSimulation", package: "Foreshock"),
            ],
            path: "TelemetryBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Foreshock", package: "Foreshock"),
            ],
            path: "EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // libzstd for the peer measurement (plain ZSTD_compress/ZSTD_decompress of raw columns).
        .systemLibrary(name: "CZstdPeer", path: "CZstdPeer", pkgConfig: "libzstd"),
    ]
)
