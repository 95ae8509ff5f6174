// swift-tools-version:6.0
import PackageDescription

// Linux only: the storage layer and the command line use Glibc (stat, signals, the fault guard)
// and Debian's liblmdb-dev. No Apple platform is declared because none is built or tested.
let package = Package(
    name: "caseledger",
    products: [
        .executable(name: "caseledger", targets: ["caseledger"]),
        .library(name: "LedgerCore", targets: ["LedgerCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The system LMDB (Debian's liblmdb-dev). Only LedgerStorage imports it.
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .target(name: "LedgerStorage", dependencies: ["CLMDB"]),
        // Pure: money, dates, ids, events, the interchange format and the stored encoding.
        .target(name: "LedgerModel"),
        // Pure: the adjudication of RULES.md. Never sees LMDB.
        .target(name: "LedgerRules", dependencies: ["LedgerModel"]),
        // Append, idempotency, hash chain, indexes, projections, verify, replay.
        .target(
            name: "LedgerCore",
            dependencies: [
                "LedgerStorage", "LedgerModel", "LedgerRules",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        // What the command line and the server answer: reports, timelines explained, person-years,
        // each read in one snapshot; every word of presentation lives here.
        .target(name: "LedgerQueries", dependencies: ["LedgerCore", "LedgerModel", "LedgerRules"]),
        // The HTTP API and the investigators' pages.
        .target(
            name: "LedgerServer",
            dependencies: [
                "LedgerCore", "LedgerModel", "LedgerQueries", "LedgerRules", "LedgerStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.embedInCode("openapi.yaml")]),
        // The seeded scenario generator behind `generate`, `bench` and the property tests.
        .target(name: "LedgerSimulation", dependencies: ["LedgerModel"]),
        .executableTarget(
            name: "caseledger",
            dependencies: [
                "LedgerCore", "LedgerModel", "LedgerQueries", "LedgerRules", "LedgerSimulation", "LedgerStorage", "LedgerServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "LedgerStorageTests", dependencies: ["LedgerStorage"]),
        .testTarget(name: "LedgerModelTests", dependencies: ["LedgerModel"]),
        .testTarget(name: "LedgerRulesTests", dependencies: ["LedgerRules", "LedgerModel"]),
        .testTarget(name: "LedgerCoreTests", dependencies: [
            "LedgerCore", "LedgerModel", "LedgerQueries", "LedgerRules", "LedgerSimulation",
            // To write a ledger's records back as version 3, each with its chain hash.
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The fixtures are read from the package's directory by path, not as bundle resources.
        .testTarget(name: "CaseledgerCLITests", dependencies: ["caseledger", "LedgerSimulation", "LedgerStorage"],
                    exclude: ["Fixtures"]),
        .testTarget(
            name: "LedgerServerTests",
            dependencies: [
                "LedgerServer", "LedgerCore", "LedgerModel",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
    ]
)
