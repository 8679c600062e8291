// swift-tools-version:6.0
// rcom: one executable, layered targets. Dependency direction is enforced here:
// RcomCore (sans-IO) imports no Glibc and cannot see the reactor.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "rcom",
    platforms: [.macOS(.v13)],
    products: [.executable(name: "rcom", targets: ["rcom"])],
    targets: [
        // C system libraries, reached through module maps (no Swift package dependencies).
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // libssl (with libcrypto): TLS for the SMTP client, over memory BIOs.
        .systemLibrary(name: "CSSL", path: "Sources/CSSL"),
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres"),
        .target(name: "CShims", path: "Sources/CShims"),
        // A batch of rows handed to SQLite as one table-valued parameter (the store's bulk insert).
        .target(name: "CSQLiteRows", dependencies: ["CSQLite"], path: "Sources/CSQLiteRows"),

        // The version and the git commit the binary was built from (the plugin writes the commit).
        .plugin(name: "GitCommitPlugin", capability: .buildTool(), path: "Plugins/GitCommitPlugin"),
        .target(name: "RcomBuildInfo", swiftSettings: strict, plugins: ["GitCommitPlugin"]),
        // Command-line layer shared by every subcommand: argument parser, progress bar, logger.
        .target(name: "RcomCLI", dependencies: ["RcomCore", "RcomBuildInfo"], swiftSettings: strict),
        // Sans-IO core: HTTP codec, events/effects, stages, timer heap, traces.
        .target(name: "RcomCore", swiftSettings: strict),
        // The thin shell: poller backends, sockets, clock, wakeup, recorder.
        .target(name: "RcomReactor", dependencies: ["RcomCore", "CShims"], swiftSettings: strict),
        // Work-sample features: job server, job client, async proxy.
        // the one shell of every server subcommand (listeners, limits, trace, signals, logs)
        .target(name: "RcomServer", dependencies: ["RcomCore", "RcomReactor", "RcomCLI"], swiftSettings: strict),
        .target(name: "RcomJobs",
                dependencies: ["RcomCore", "RcomReactor", "RcomCLI", "RcomServer", "RcomBuildInfo", "CCrypto", "CZlib"],
                swiftSettings: strict),
        // rolling window (rcom max)
        .target(name: "RcomWindow", dependencies: ["RcomCLI"], swiftSettings: strict),
        // bulk suppression store (SQLite or PostgreSQL behind a protocol) and rcom blacklist
        .target(name: "RcomStore", dependencies: ["CSQLite", "CSQLiteRows", "CPostgres"], swiftSettings: strict),
        .target(name: "RcomBlacklist", dependencies: ["RcomStore", "RcomCLI", "RcomCore", "RcomReactor", "RcomBuildInfo", "CShims"], swiftSettings: strict),
        // notifications: channel adapters, delivery stage, provider simulator, tracking, stats (rcom send)
        .target(name: "RcomNotify", dependencies: ["RcomCore", "RcomReactor", "RcomCLI", "RcomServer", "RcomStore", "RcomBuildInfo", "CSSL", "CCrypto"], swiftSettings: strict),
        // @@FEATURE-TARGETS@@ (helpers add feature targets above this line)

        .executableTarget(
            name: "rcom",
            dependencies: ["RcomCLI", "RcomCore", "RcomReactor", "RcomJobs", "RcomWindow", "RcomBlacklist", "RcomNotify", "RcomBuildInfo"],
            swiftSettings: strict),

        .testTarget(name: "RcomCLITests", dependencies: ["RcomCLI"], swiftSettings: strict),
        .testTarget(name: "RcomCoreTests", dependencies: ["RcomCore"],
                    resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "RcomReactorTests", dependencies: ["RcomCore", "RcomReactor"], swiftSettings: strict),
        .testTarget(name: "RcomJobsTests", dependencies: ["RcomCore", "RcomReactor", "RcomJobs"],
                    resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "RcomWindowTests", dependencies: ["RcomWindow"], swiftSettings: strict),
        .testTarget(name: "RcomBlacklistTests", dependencies: ["RcomBlacklist", "RcomStore", "RcomCore"], swiftSettings: strict),
        .testTarget(name: "RcomNotifyTests", dependencies: ["RcomNotify", "RcomCore", "RcomReactor", "RcomStore", "RcomCLI"], swiftSettings: strict),
        // The store's contract, run against both backends (SQLite, and PostgreSQL when
        // RCOM_TEST_POSTGRES_URL names a server: scripts/test starts a throwaway one).
        .testTarget(name: "RcomStoreTests", dependencies: ["RcomStore", "RcomBlacklist", "RcomNotify"],
                    resources: [.copy("Fixtures")], swiftSettings: strict),
        // @@FEATURE-TESTS@@ (helpers add test targets above this line)
    ]
)
