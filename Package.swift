// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "MemoryPlanner",
    products: [
        .library(name: "Graph", targets: ["Graph"]),
        .library(name: "Planner", targets: ["Planner"]),
        .executable(name: "plan-cli", targets: ["plan-cli"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CGLPK",
            providers: [.apt(["libglpk-dev"])]
        ),
        .target(
            name: "Graph",
            dependencies: [.product(name: "HeapModule", package: "swift-collections")]
        ),
        .target(
            name: "Planner",
            dependencies: ["Graph", "CGLPK"]
        ),
        .executableTarget(
            name: "plan-cli",
            dependencies: [
                "Graph", "Planner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "plan-fuzz",
            dependencies: ["Graph", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "GraphTests", dependencies: ["Graph"]),
        .testTarget(name: "PlannerTests", dependencies: ["Planner", "Graph"]),
        .testTarget(name: "PublicAPITests", dependencies: ["Graph", "Planner"]),
        .testTarget(name: "PlanCLITests", dependencies: ["Graph", "plan-cli"]),
    ]
)
