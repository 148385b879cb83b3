import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A large query's reading split across the machine's cores. Only closures that read columns go to
/// other threads (block filters on a field, block gathers of numbers and codes): values, paths and
/// their memos stay on the calling thread.
public struct Parallel: Sendable {
    /// Threads at most, and rows a part gets at least (below that a thread's start costs more than it
    /// saves). Tests split small tables into several parts with their own.
    public var cores: Int
    public var minimumPart: Int
    public init(cores: Int, minimumPart: Int) { self.cores = max(1, cores); self.minimumPart = max(1, minimumPart) }

    public static let machine = Parallel(cores: min(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 16), minimumPart: 1 << 15)

    /// How many parts `count` rows are read in.
    func parts(_ count: Int) -> Int { max(1, min(cores, count / minimumPart)) }

    /// `body` over consecutive ranges covering `0..<count`, one per part, at once; results in order.
    func map<T>(_ count: Int, _ body: (Range<Int>) -> T) -> [T] {
        let n = parts(count)
        if n == 1 { return [body(0 ..< count)] }
        var results = [T?](repeating: nil, count: n)
        results.withUnsafeMutableBufferPointer { out in
            DispatchQueue.concurrentPerform(iterations: n) { p in
                out[p] = body(count * p / n ..< count * (p + 1) / n)
            }
        }
        return results.map { $0! }
    }

    /// A block filter that reads large inputs on every core, its parts joined in order. `select` must
    /// only read (a field's array against a mask or a number test).
    func select(_ select: @escaping (ArraySlice<Int>) -> [Int]) -> ([Int]) -> [Int] {
        { slots in
            let parts = map(slots.count) { select(slots[$0]) }
            guard parts.count > 1 else { return parts[0] }
            var joined = [Int]()
            joined.reserveCapacity(parts.reduce(0) { $0 + $1.count })
            for p in parts { joined.append(contentsOf: p) }
            return joined
        }
    }
}
