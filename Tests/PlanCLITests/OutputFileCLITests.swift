import Foundation
import Testing

/// Output files (issue 18): written through a symlink to its target, devices written in place
/// and left devices, directories and missing folders refused with a clear message.
@Suite("plan-cli output files")
struct OutputFileCLITests {
    static let graph = "fixtures/models/vgg16.json"

    @Test func symlinksAreFollowedAndDevicesKept() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let real = dir.appendingPathComponent("real.json").path, link = dir.appendingPathComponent("link.json").path
        try "old".write(toFile: real, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.json")
        let r = try PlanCLITests.run(["export", Self.graph, "-o", link])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.json")
        #expect(try String(contentsOfFile: real, encoding: .utf8).contains("\"layers\""))

        let null = try PlanCLITests.run(["export", Self.graph, "-o", "/dev/null"])
        #expect(null.status == 0, "\(null.stderr)")
        let type = try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType
        #expect(type == .typeCharacterSpecial)

        let directory = try PlanCLITests.run(["export", Self.graph, "-o", dir.path])
        #expect(directory.status != 0)
        #expect(directory.stderr.contains("cannot write \(dir.path): it is a directory"))
        let missing = try PlanCLITests.run(["export", Self.graph, "-o", dir.path + "/no/such/x.json"])
        #expect(missing.stderr.contains("no such directory"))
        if FileManager.default.fileExists(atPath: "/dev/full") {
            let full = try PlanCLITests.run(["export", Self.graph, "-o", "/dev/full"])
            #expect(full.status != 0)
            #expect(full.stderr.contains("cannot write /dev/full"))
        }
    }
}
