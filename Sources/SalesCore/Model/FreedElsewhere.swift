import Dispatch

/// Something large to be let go of on another thread rather than on the one that goes on to the next
/// statement: the bytes of a replaced snapshot (their last hold frees the file's pages in the page
/// cache), a million-row import's changes, the rows a table kept aside until a snapshot held them.
/// Whoever empties the box frees what it holds.
public final class FreedElsewhere<Value>: @unchecked Sendable {
    private var value: Value?
    public init(_ value: Value) { self.value = value }

    /// Empties the box on a utility thread.
    public func free() {
        DispatchQueue.global(qos: .utility).async { self.value = nil }
    }
}
