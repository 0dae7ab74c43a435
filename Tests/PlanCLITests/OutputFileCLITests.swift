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
        // A regular file whose folder cannot hold a temporary file (procfs): the reason is said,
        // not a Foundation error code (found by the fuzzer).
        if FileManager.default.fileExists(atPath: "/proc/self/status") {
            let proc = try PlanCLITests.run(["export", Self.graph, "-o", "/proc/self/status"])
            #expect(proc.status != 0)
            #expect(proc.stderr.contains("cannot write /proc/self/status: cannot create a temporary file in"), "\(proc.stderr)")
            #expect(!proc.stderr.contains("operation could not be completed"))
        }
        // A new file gets the usual permissions, an existing one keeps its own.
        let fresh = dir.appendingPathComponent("fresh.json").path
        #expect(try PlanCLITests.run(["export", Self.graph, "-o", fresh]).status == 0)
        let mask = umask(0)
        umask(mask)
        let mode = try FileManager.default.attributesOfItem(atPath: fresh)[.posixPermissions] as? Int
        #expect(mode == Int(0o666 & ~mask))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: fresh)
        #expect(try PlanCLITests.run(["export", Self.graph, "-o", fresh]).status == 0)
        #expect(try FileManager.default.attributesOfItem(atPath: fresh)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.hasPrefix(".plan-cli-") })
        if FileManager.default.fileExists(atPath: "/dev/full") {
            let full = try PlanCLITests.run(["export", Self.graph, "-o", "/dev/full"])
            #expect(full.status != 0)
            #expect(full.stderr.contains("cannot write /dev/full"))
        }
    }
}
