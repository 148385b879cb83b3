#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes that stay where they are for as long as anything holds them: a file mapped into memory (a
/// snapshot is read where the page cache already holds it, with no copy), or a copy of an array.
public final class ByteRegion: @unchecked Sendable {
    public let base: UnsafePointer<UInt8>
    public let count: Int
    private let mapped: Bool

    /// A copy of `bytes` in memory of its own.
    public init<C: Collection>(copying bytes: C) where C.Element == UInt8 {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        _ = UnsafeMutableBufferPointer(start: p, count: bytes.count).initialize(from: bytes)
        base = UnsafePointer(p)
        count = bytes.count
        mapped = false
    }

    /// `count` bytes of a file mapped read-only at `base` (from mmap); unmapped when released.
    init(mappedAt base: UnsafeRawPointer, count: Int) {
        self.base = base.assumingMemoryBound(to: UInt8.self)
        self.count = count
        mapped = true
    }

    deinit {
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutablePointer(mutating: base).deallocate()
        }
    }

    /// The whole region as a slice.
    public var all: ByteSlice { ByteSlice(self, 0 ..< count) }

    /// Gives the pages of a mapped range back to the kernel: they leave the process's resident memory and
    /// are read again from the page cache if used again. Nothing happens to a copy.
    public func release(_ range: Range<Int>) {
        guard mapped, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page   // whole pages inside the range only
        let end = range.upperBound == count ? count : range.upperBound / page * page
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }
}

/// A range of a `ByteRegion`, indexed from 0; holds the region alive.
public struct ByteSlice: RandomAccessCollection, Sendable {
    public let region: ByteRegion
    public let range: Range<Int>

    public init(_ region: ByteRegion, _ range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= region.count)
        self.region = region
        self.range = range
    }
    public init(copying bytes: [UInt8]) { self.init(ByteRegion(copying: bytes), 0 ..< bytes.count) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { range.count }
    public subscript(i: Int) -> UInt8 { region.base[range.lowerBound + i] }

    public var base: UnsafePointer<UInt8> { region.base + range.lowerBound }
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: range.count))
    }
    /// Bytes `r` of this slice (relative to its start).
    public func slice(_ r: Range<Int>) -> ByteSlice {
        precondition(r.lowerBound >= 0 && r.upperBound <= range.count)
        return ByteSlice(region, range.lowerBound + r.lowerBound ..< range.lowerBound + r.upperBound)
    }
    /// Gives this slice's pages back to the kernel if the region is a mapped file (`ByteRegion.release`).
    public func release() { region.release(range) }
}
