import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes the tool's output files without clobbering what is not a regular file.
///
/// - `-` is standard output;
/// - a symbolic link is followed: the file it points to is written, the link stays;
/// - a character device or FIFO (`/dev/stdout`, `/dev/null`, a pipe) is written in place, as
///   the user asked; write errors (`/dev/full`) are reported;
/// - a directory, socket or block device is refused with a message that says what it is;
/// - a regular file (or a new one) is written atomically: a temporary file renamed over it.
enum OutputFile {
    static func write(_ text: String, to path: String) throws {
        if path == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var info = stat()
        if stat(target, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFCHR, S_IFIFO:
                try writeInPlace(text, to: target, named: path)
                return
            case S_IFDIR: throw ValidationError("cannot write \(path): it is a directory; give a file name")
            default: throw ValidationError("cannot write \(path): it is not a regular file (a socket or block device)")
            }
        } else if errno != ENOENT {
            throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))")
        } else {
            let parent = (target as NSString).deletingLastPathComponent
            var dir = stat()
            if stat(parent.isEmpty ? "." : parent, &dir) != 0 || dir.st_mode & S_IFMT != S_IFDIR {
                throw ValidationError("cannot write \(path): no such directory '\(parent)'")
            }
        }
        try writeAtomically(text, to: target, named: path)
    }

    /// A temporary file beside `target`, written in full, then renamed over it; every failure
    /// says which step failed, with the system's reason.
    private static func writeAtomically(_ text: String, to target: String, named path: String) throws {
        let parent = (target as NSString).deletingLastPathComponent
        var template = Array(((parent.isEmpty ? "." : parent) + "/.plan-cli-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw ValidationError("cannot write \(path): cannot create a temporary file in '\(parent.isEmpty ? "." : parent)': \(String(cString: strerror(errno)))")
        }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            try writeAll(text, to: fd, named: path)
        } catch {
            close(fd)
            throw error
        }
        // A new file gets the usual permissions (mkstemp makes it 0600).
        var mode: mode_t = 0o644
        var existing = stat()
        if stat(target, &existing) == 0 { mode = existing.st_mode & 0o7777 } else {
            let mask = umask(0); umask(mask)
            mode = 0o666 & ~mask
        }
        fchmod(fd, mode)
        guard close(fd) == 0 else { throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))") }
        guard rename(temporary, target) == 0 else { throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))") }
        renamed = true
    }

    private static func writeAll(_ text: String, to fd: Int32, named path: String) throws {
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    private static func writeInPlace(_ text: String, to target: String, named path: String) throws {
        let fd = open(target, O_WRONLY)
        guard fd >= 0 else { throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try writeAll(text, to: fd, named: path)
    }
}
