import Foundation

/// Directory walking for importers (Foundation's FileManager, sorted for determinism).
enum FileSystem {
    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Paths of all regular files under `root`, relative to it, sorted.
    static func walk(_ root: String) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else {
            throw InputError(source: root, line: 0, message: "cannot list directory")
        }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if !isDirectory(root + "/" + relative) { files.append(relative) }
        }
        return files.sorted()
    }
}
