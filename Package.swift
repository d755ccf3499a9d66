// swift-tools-version:6.0
import PackageDescription

// Strict Swift 6 everywhere; `any` spelled out so existentials stay visible in review.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "sigmaris",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sigmaris", targets: ["sigmaris"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // MARK: C libraries from the system (apt), found through pkg-config.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]
        ),
        .systemLibrary(
            name: "CLibcrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),

        // MARK: The project's JSON value, its text and its encoder: no dependencies, so the engine
        // and the adapters (JWT claims) share one JSON type.
        .target(
            name: "SigmarisJSON",
            swiftSettings: swiftSettings
        ),

        // MARK: The persona engine: pure, deterministic, no I/O.
        .target(
            name: "SigmarisEngine",
            dependencies: ["SigmarisJSON"],
            swiftSettings: swiftSettings
        ),

        // MARK: Waiting, bounded: no dependencies, so any module can use it.
        .target(
            name: "SigmarisConcurrency",
            swiftSettings: swiftSettings
        ),

        // MARK: Adapters: thin wrappers over C libraries, each behind an async API.
        .target(
            name: "SigmarisPostgres",
            dependencies: [
                "CLibPQ",
                "SigmarisConcurrency",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SigmarisCurl",
            dependencies: [
                "CCurl",
                "SigmarisConcurrency",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SigmarisAuth",
            dependencies: [
                "CLibcrypto",
                "SigmarisJSON",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: The data-access layer: every SQL statement of the service, over the libpq adapter.
        // It owns the database: the pool's construction, migrations, its caches, and its errors (no
        // Postgres type reaches the application).
        .target(
            name: "SigmarisStore",
            dependencies: [
                "SigmarisEngine",
                "SigmarisJSON",
                "SigmarisPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: The HTTP application that wires engine and adapters together.
        .target(
            name: "SigmarisApp",
            dependencies: [
                "SigmarisConcurrency",
                "SigmarisEngine",
                "SigmarisJSON",
                "SigmarisStore",
                "SigmarisCurl",
                "SigmarisAuth",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "sigmaris",
            dependencies: [
                "SigmarisApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // `make bench-memory`'s driver (scripts/bench-memory.sh): figures, not a product.
        .executableTarget(
            name: "sigmaris-bench-memory",
            dependencies: [
                "SigmarisEngine",
                "SigmarisPostgres",
                "SigmarisStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/MemoryBench",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests.
        // Shared by every test target that needs the throwaway Postgres started by `make test`.
        .target(
            name: "SigmarisTestSupport",
            dependencies: [
                "SigmarisPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/SigmarisTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SigmarisConcurrencyTests",
            dependencies: ["SigmarisConcurrency"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SigmarisJSONTests",
            dependencies: ["SigmarisJSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SigmarisEngineTests",
            dependencies: ["SigmarisEngine", "SigmarisJSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SigmarisPostgresTests",
            dependencies: ["SigmarisPostgres", "SigmarisTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SigmarisStoreTests",
            dependencies: ["SigmarisStore", "SigmarisJSON", "SigmarisTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SigmarisCurlTests",
            dependencies: [
                "SigmarisCurl",
                "SigmarisTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SigmarisAuthTests",
            dependencies: ["SigmarisAuth", "SigmarisJSON"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SigmarisAppTests",
            dependencies: [
                "SigmarisApp",
                "SigmarisJSON",
                "SigmarisTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
