import Foundation
import Testing
@testable import Graph

@Suite("Hardware descriptions")
struct HardwareTests {
    static let bundled = ["fixtures/hardware/datacenter-gpu.json", "fixtures/hardware/edge-npu.json", "fixtures/hardware/microcontroller.json"]

    @Test(arguments: bundled)
    func bundledProfilesLoadAndCiteSources(file: String) throws {
        let hw = try Hardware.load(contentsOf: fixturePath(file))
        #expect(!hw.sources.isEmpty)
        #expect(hw.onChip.capacityBytes < hw.offChip.capacityBytes)
        #expect(hw.peak(for: .float32) != nil)
    }

    @Test func capacitiesMatchTheDeviceClasses() throws {
        let npu = try Hardware.load(contentsOf: fixturePath("fixtures/hardware/edge-npu.json"))
        #expect(npu.onChip.capacityBytes >= 1 << 20 && npu.onChip.capacityBytes <= 64 << 20)  // a few MiB of SRAM
        let mcu = try Hardware.load(contentsOf: fixturePath("fixtures/hardware/microcontroller.json"))
        #expect(mcu.onChip.capacityBytes >= 64 << 10 && mcu.onChip.capacityBytes < 1 << 20)  // a few hundred KiB
    }

    @Test func unitsAndPerDTypePeaks() throws {
        let hw = try Hardware(json: JSONValue.parse("""
        {"name": "t", "peak_flops": {"float16": 2e12, "default": 1e12},
         "on_chip": {"capacity": "8MiB", "bandwidth": 1e11}, "off_chip": {"capacity": "1 GB", "bandwidth": 1e9}}
        """))
        #expect(hw.onChip.capacityBytes == 8 * 1_048_576)
        #expect(hw.offChip.capacityBytes == 1_000_000_000)
        #expect(hw.peak(for: .float16) == 2e12)
        #expect(hw.peak(for: .float32) == 1e12)
        #expect(hw.ridgePoint(for: .float16) == 20)
    }

    @Test(arguments: [
        (#""peak_flops": -1"#, "peak_flops"),
        (#""peak_flops": {"float33": 1}"#, "peak_flops.float33"),
        (#""peak_flops": 1, "bogus": 2"#, "bogus"),
        (#""peak_flops": 1e-300"#, "peak_flops"),
        (#""peak_flops": {"default": 1e31}"#, "peak_flops.default"),
    ])
    func errorsNameTheField(peak: String, path: String) {
        let text = #"{"name": "t", \#(peak), "on_chip": {"capacity": 1, "bandwidth": 1}, "off_chip": {"capacity": 2, "bandwidth": 1}}"#
        do {
            _ = try Hardware(json: JSONValue.parse(text), file: "hw.json")
            Issue.record("accepted \(text)")
        } catch let error as GraphError {
            guard case .invalidValue(let loc, _) = error else { Issue.record("got \(error)"); return }
            #expect(loc == SourceLocation(file: "hw.json", path: path))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// A bandwidth outside 1–10^30 B/s would make load times non-finite (issue 18).
    @Test(arguments: ["1e-300", "0.5", "1e31", "-3"])
    func bandwidthIsBounded(bandwidth: String) {
        let text = #"{"name": "t", "peak_flops": 1, "on_chip": {"capacity": 1, "bandwidth": \#(bandwidth)}, "off_chip": {"capacity": 2, "bandwidth": 1}}"#
        #expect(throws: GraphError.self) { try Hardware(json: JSONValue.parse(text), file: "hw.json") }
    }

    /// `copy_engines` on the slow memory: 1 (the default, one engine both directions share) or 2
    /// (one per direction); anything else, or the field on the fast memory, is named.
    @Test func copyEngines() throws {
        func offChip(_ extra: String) -> String {
            #"{"name": "t", "peak_flops": 1, "on_chip": {"capacity": 1, "bandwidth": 1}, "off_chip": {"capacity": 2, "bandwidth": 1\#(extra)}}"#
        }
        #expect(try Hardware(json: JSONValue.parse(offChip(""))).offChip.copyEngines == 1)
        #expect(try Hardware(json: JSONValue.parse(offChip(#", "copy_engines": 2"#))).offChip.copyEngines == 2)
        for (extra, path) in [(#", "copy_engines": 3"#, "off_chip.copy_engines"), (#", "copy_engines": 0"#, "off_chip.copy_engines")] {
            do {
                _ = try Hardware(json: JSONValue.parse(offChip(extra)), file: "hw.json")
                Issue.record("accepted \(extra)")
            } catch let error as GraphError {
                guard case .invalidValue(let loc, let reason) = error else { Issue.record("got \(error)"); continue }
                #expect(loc == SourceLocation(file: "hw.json", path: path) && reason.contains("one per direction"))
            }
        }
        #expect(throws: GraphError.self) { try Hardware(json: JSONValue.parse(offChip(#", "copy_engines": "two""#))) }
        let onChip = #"{"name": "t", "peak_flops": 1, "on_chip": {"capacity": 1, "bandwidth": 1, "copy_engines": 2}, "off_chip": {"capacity": 2, "bandwidth": 1}}"#
        #expect(throws: GraphError.self) { try Hardware(json: JSONValue.parse(onChip)) }
        // The bundled H100 has a copy engine each way over PCIe.
        #expect(try Hardware.load(contentsOf: fixturePath("fixtures/hardware/datacenter-gpu.json")).offChip.copyEngines == 2)
    }

    @Test func badCapacity() {
        let text = #"{"name": "t", "peak_flops": 1, "on_chip": {"capacity": "lots", "bandwidth": 1}, "off_chip": {"capacity": 2, "bandwidth": 1}}"#
        #expect(throws: GraphError.self) { try Hardware(json: JSONValue.parse(text)) }
    }

    @Test(arguments: [("6GiB", 6 << 30), ("512MiB", 512 << 20), ("1.5 GB", 1_500_000_000), ("320KiB", 320 << 10), ("4096", 4096), ("2k", 2048)])
    func parsesByteCounts(text: String, bytes: Int) {
        #expect(Units.parseBytes(text) == bytes)
    }

    @Test func rejectsNonByteCounts() {
        for text in ["", "GiB", "-1", "1.5", "12 apples", "0x10", "0x1p4 GiB", "nan", "inf", "1e30"] {
            #expect(Units.parseBytes(text) == nil, "\(text)")
        }
    }

    /// Huge, tiny and non-finite numbers are formatted, never trapped on (issue 18, crash 6).
    @Test func formatsExtremeNumbers() {
        #expect(Units.fixed(1e308, decimals: 2) == "1e+308")
        #expect(Units.significant(-9.3e18) == "-9.3e+18")
        #expect(Units.count(1e308).isEmpty == false)
        #expect(Units.bytes(Double.infinity) == "inf B")
        #expect(Units.seconds(1e-300).isEmpty == false)
        #expect(Units.rate(1e308).isEmpty == false)
    }

    @Test func formatsHumanUnits() {
        #expect(Units.bytes(512) == "512 B")
        #expect(Units.bytes(1536) == "1.50 KiB")
        #expect(Units.bytes(98 << 20) == "98.0 MiB")
        #expect(Units.count(15.47e9) == "15.5 G")
        #expect(Units.seconds(4.5e-3) == "4.50 ms")
        #expect(Units.seconds(12.34e-6) == "12.3 µs")
        #expect(Units.rate(6.4e10) == "64.0 GB/s")
        #expect(Units.rate(5e8) == "500 MB/s")
    }
}
