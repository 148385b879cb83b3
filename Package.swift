// swift-tools-version:6.0
import PackageDescription

// Release builds drop the run-time exclusivity checks: loading a large store spent a twentieth of its
// time in them (swift::runtime::AccessSet), and the debug builds the tests use keep them.
let fast: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "salesh",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "salesh", targets: ["salesh"]),
        .library(name: "SalesCore", targets: ["SalesCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The domain: schema, values, records, rules. No I/O.
        .target(name: "SalesCore", swiftSettings: fast),
        // The command language: lexer, parser, AST, diagnostics, evaluator.
        .target(name: "SalesLanguage", dependencies: ["SalesCore"], swiftSettings: fast),
        // Durable storage: snapshot, journal, lock. Knows bytes, not the domain.
        .target(name: "SalesStore", dependencies: ["CCRC32C"], swiftSettings: fast),
        // CRC-32C by the processor's crc32 instruction where there is one (the checksum of every load).
        .target(name: "CCRC32C"),
        .systemLibrary(
            name: "CLibEdit",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(name: "LineEditor", dependencies: ["CLibEdit"]),
        // Sessions, rendering, persistence glue, the REPL loop.
        .target(name: "SalesShell", dependencies: ["SalesCore", "SalesLanguage", "SalesStore", "LineEditor"], swiftSettings: fast),
        // Linked at a fixed address in release builds, as Go links its binaries: a position-independent
        // executable of this size has 77,000 pointers for the loader to rebase at every start, dirtying
        // 200 pages, about a tenth of the start-up on an empty store.
        .executableTarget(
            name: "salesh",
            dependencies: ["SalesShell", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            linkerSettings: [.unsafeFlags(["-Xclang-linker", "-no-pie"], .when(configuration: .release))]
        ),
        // Fuzzing entry points (libFuzzer with scripts/fuzz; a replayer of crash inputs otherwise).
        .executableTarget(name: "salesh-fuzz", dependencies: ["SalesShell"]),
        .testTarget(name: "SalesCoreTests", dependencies: ["SalesCore"]),
        .testTarget(name: "SalesLanguageTests", dependencies: ["SalesLanguage", "SalesShell"], resources: [.copy("Golden")]),
        .testTarget(name: "SalesStoreTests", dependencies: ["SalesStore"]),
        .testTarget(name: "SalesShellTests", dependencies: ["SalesShell"], exclude: ["FuzzRegressions", "HelpGolden"]),
        .testTarget(name: "EndToEndTests", dependencies: ["SalesShell"], exclude: ["Fixtures"]),
        // The executable's own reading of its arguments, against swift-argument-parser's.
        .testTarget(name: "CommandLineTests", dependencies: ["salesh"]),
    ],
    // The shell runs one statement at a time (a large query, load or save splits its own work across
    // the cores inside); the Swift 5 mode spares it global-state ceremony (stdout, signal flags) that
    // strict concurrency checking would demand.
    swiftLanguageModes: [.v5]
)
