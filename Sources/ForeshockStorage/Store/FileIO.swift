#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin POSIX file helpers that turn every failing call into ``StorageError/io(path:operation:errno:)``.
///
/// Durable replacement of a file follows the usual recipe: write a temporary file, `fsync` it,
/// `rename` it over the target, `fsync` the directory.
enum FileIO {
    static func errnoError(_ path: String, _ operation: String) -> StorageError {
        .io(path: path, operation: operation, errno: errno)
    }

    static func closeDescriptor(_ fd: Int32) {
        if fd >= 0 { _ = close(fd) }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func createDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw errnoError(path, "mkdir") }
    }

    static func list(_ directory: String) throws -> [String] {
        guard let dir = opendir(directory) else { throw errnoError(directory, "opendir") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw errnoError(path, "open") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw errnoError(path, "fstat") }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, size - done, off_t(done)) }
            if n < 0 { if errno == EINTR { continue }; throw errnoError(path, "pread") }
            if n == 0 { break }
            done += n
        }
        return done == size ? bytes : Array(bytes[0..<done])
    }

    /// Reads `count` bytes at `offset` from an open descriptor.
    static func read(_ fd: Int32, path: String, offset: Int, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 { if errno == EINTR { continue }; throw errnoError(path, "pread") }
            if n == 0 { throw StorageError.truncated(what: "\(path) (file shrank)", offset: offset + done) }
            done += n
        }
        return bytes
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 { if errno == EINTR { continue }; throw errnoError(path, "write") }
            done += n
        }
    }

    static func openForAppend(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw errnoError(path, "open") }
        return fd
    }

    static func openForReading(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw errnoError(path, "open") }
        return fd
    }

    static func sync(_ fd: Int32, path: String) throws {
        if fsync(fd) != 0 { throw errnoError(path, "fsync") }
    }

    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw errnoError(path, "open directory") }
        defer { close(fd) }
        if fsync(fd) != 0 { throw errnoError(path, "fsync directory") }
    }

    static func truncate(_ path: String, to length: Int) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw errnoError(path, "open") }
        defer { close(fd) }
        if ftruncate(fd, off_t(length)) != 0 { throw errnoError(path, "ftruncate") }
    }

    static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw errnoError(path, "unlink") }
    }

    static func size(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Writes `bytes` to `path` durably and atomically (temp file, fsync, rename, fsync dir).
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw errnoError(temporary, "open") }
        do {
            try bytes.withUnsafeBytes { try writeAll(fd, $0, path: temporary) }
            try sync(fd, path: temporary)
        } catch {
            close(fd)
            try? remove(temporary)
            throw error
        }
        close(fd)
        if rename(temporary, path) != 0 { throw errnoError(path, "rename") }
        try syncDirectory(directory)
    }

    /// Takes an exclusive advisory lock on `path` (created if missing); returns its descriptor.
    static func lock(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw errnoError(path, "open") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw StorageError.io(path: path, operation: "lock (is another process using this data directory?)", errno: errno)
        }
        return fd
    }
}
