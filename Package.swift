// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "watcher",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "watcher", targets: ["watcher"]),
        .library(name: "ReportEngine", targets: ["ReportEngine"]),
        .library(name: "IMAPWatcher", targets: ["IMAPWatcher"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .systemLibrary(name: "CIconv", path: "Sources/CIconv"),
        .systemLibrary(
            name: "CPSL", path: "Sources/CPSL", pkgConfig: "libpsl",
            providers: [.apt(["libpsl-dev", "publicsuffix"])]),
        // libcurl is opened on first use (Sources/CCurl/ccurl.c), so only its headers are needed
        // to build (libcurl4-openssl-dev) and commands that never connect do not load it.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]),
        // libcrypto (SHA-256 for the ledger's content keys) is opened on first use too
        // (Sources/CCrypto/ccrypto.c): it needs no headers, and analyze never loads it.
        .target(name: "CCrypto", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]),
        .target(
            name: "ReportEngine",
            dependencies: [
                "CIconv", "CPSL", "CCrypto", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Resources")]),
        .target(name: "CDNS", linkerSettings: [.linkedLibrary("resolv")]),
        .target(name: "IMAPWatcher", dependencies: ["CCurl", "CDNS"]),
        .executableTarget(
            name: "watcher",
            dependencies: [
                "ReportEngine", "IMAPWatcher",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // libFuzzer targets for the parsers (scripts/fuzz.sh); built normally it replays inputs.
        // Fuzz/Config links to Sources/watcher/Config, so the configuration parser is fuzzed as it is.
        .executableTarget(
            name: "watcher-fuzz", dependencies: ["ReportEngine"], path: "Fuzz", exclude: ["seeds"]),
        .testTarget(
            name: "ReportEngineTests", dependencies: ["ReportEngine"],
            resources: [.copy("Fixtures")]),
        .target(name: "TestBedSupport", path: "Tests/TestBedSupport"),
        .testTarget(name: "IMAPWatcherTests", dependencies: ["IMAPWatcher", "TestBedSupport"]),
        .testTarget(name: "watcherTests", dependencies: ["watcher", "ReportEngine", "IMAPWatcher", "TestBedSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
