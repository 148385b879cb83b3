// StoreError.swift — everything that can go wrong opening, reading or writing a data folder.
//
// Every case names the file (or folder) concerned, and `description` is one English
// sentence a shell can print as it is.

/// An error from the data folder.
public enum StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The folder exists and has files, but no store files (e.g. someone's home folder), or the path is a file.
    case notAStore(path: String)
    /// The snapshot is damaged or truncated; it is refused, never loaded in part.
    case corruptSnapshot(path: String, reason: String)
    /// A bad entry in the middle of the journal (not a torn tail), at byte `offset` of the file.
    case corruptJournal(path: String, offset: Int, reason: String)
    /// The file was written by a newer salesh with a format this build cannot read.
    case newerVersion(path: String, found: UInt32, supported: UInt32)
    /// Another process holds the store's lock; `holder` is what its lock file says.
    case locked(path: String, holder: String)
    /// A write was attempted on a store opened read-only.
    case readOnly(path: String)
    /// A system call failed; `message` is the errno text.
    case io(path: String, operation: String, message: String)
    /// A reader without the lock found the snapshot it had read replaced by a writer before it had read
    /// the journal to go with it: what it read may miss changes. Reading again from the start gets both.
    case replacedWhileReading(path: String)

    public var description: String {
        switch self {
        case .notAStore(let path):
            return phrase("\(path) is not a salesh data folder: it holds neither a snapshot nor a journal.")
        case .corruptSnapshot(let path, let reason):
            return phrase("The snapshot \(path) is damaged and was not loaded: \(reason).")
        case .corruptJournal(let path, let offset, let reason):
            return phrase("The journal \(path) is damaged at byte \(offset) and was not loaded: \(reason).")
        case .newerVersion(let path, let found, let supported):
            return phrase("\(path) was written by a newer salesh (format version \(found)); this salesh reads format versions up to \(supported).")
        case .locked(let path, let holder):
            let who = holder.isEmpty ? "holder unknown" : holder
            return phrase("The data folder \(path) is in use by another salesh (\(who)).")
        case .readOnly(let path):
            return phrase("The data folder \(path) is open read-only, so changes cannot be saved.")
        case .io(let path, let operation, let message):
            return phrase("Could not \(operation) \(path): \(message).")
        case .replacedWhileReading(let path):
            return phrase("The snapshot \(path) was replaced by another salesh writing to the store while it was being read.")
        }
    }
}

/// Something the store repaired or noticed while opening, worth telling the user.
public struct StoreWarning: Equatable, CustomStringConvertible, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Marks an English message for the shell's phrasebook (see SalesCore's `phrase`).
@inline(__always)
func phrase(_ text: String) -> String { text }
