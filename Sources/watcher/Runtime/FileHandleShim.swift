import Foundation

enum FileHandleShim {
    static func writeStderr(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}
