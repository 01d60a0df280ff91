/// Small byte-level helpers shared by the parsers.
enum Bytes {
    /// Splits at LF, dropping a CR before it; the last line may lack its LF.
    static func lines(_ data: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = data.startIndex
        var i = data.startIndex
        while i < data.endIndex {
            if data[i] == 0x0A {
                var end = i
                if end > start, data[end - 1] == 0x0D { end -= 1 }
                result.append(data[start..<end])
                start = i + 1
            }
            i += 1
        }
        if start < data.endIndex {
            var end = data.endIndex
            if data[end - 1] == 0x0D { end -= 1 }
            result.append(data[start..<end])
        }
        return result
    }

    /// Finds the end of the header block: the index of the blank line's first byte and where the body starts.
    static func headerEnd(_ data: ArraySlice<UInt8>) -> (headerEnd: Int, bodyStart: Int)? {
        var i = data.startIndex
        var lineStart = data.startIndex
        while i < data.endIndex {
            if data[i] == 0x0A {
                lineStart = i + 1
                if lineStart < data.endIndex {
                    if data[lineStart] == 0x0A { return (lineStart, lineStart + 1) }
                    if data[lineStart] == 0x0D, lineStart + 1 < data.endIndex, data[lineStart + 1] == 0x0A {
                        return (lineStart, lineStart + 2)
                    }
                }
            }
            i += 1
        }
        _ = lineStart
        return nil
    }

    static func lowercasedASCII(_ b: UInt8) -> UInt8 { (0x41...0x5A).contains(b) ? b | 0x20 : b }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = s
        while let f = s.first, f == 0x20 || f == 0x09 || f == 0x0D || f == 0x0A { s = s.dropFirst() }
        while let l = s.last, l == 0x20 || l == 0x09 || l == 0x0D || l == 0x0A { s = s.dropLast() }
        return s
    }
}
