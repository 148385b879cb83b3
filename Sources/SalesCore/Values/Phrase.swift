/// Marks an English message the shell shows to people. The shell's phrasebook translates every
/// phrase by its shape (the literal with `%@` where a value goes); a test reads the sources for the
/// phrases and fails on one without a translation. Errors (`DomainError`, `Diagnostic`) and their
/// hints are phrases without this mark.
@inline(__always)
public func phrase(_ text: String) -> String { text }
