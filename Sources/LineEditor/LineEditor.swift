// LineEditor: an interactive line editor for salesh on top of libedit (wide-character API).
//
// Emacs keys, persistent history, ~/.editrc, Ctrl-R incremental search, TAB completion through
// `completer`, Ctrl-C abandons the line, Ctrl-D on an empty line ends input. Only meant for a
// terminal: the caller checks isatty(0) before using it.

import CLibEdit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What TAB completion offers for the text before the cursor.
public struct Completion: Sendable, Equatable {
    /// How many characters (Swift `Character`s) before the cursor the candidates replace,
    /// i.e. the length of the word being completed. 0 inserts at the cursor.
    public var replace: Int
    /// Full replacement words (not just the missing suffix).
    public var candidates: [String]

    public init(replace: Int, candidates: [String]) {
        self.replace = replace
        self.candidates = candidates
    }

    /// No candidates: TAB beeps.
    public static let none = Completion(replace: 0, candidates: [])
}

public enum ReadResult: Equatable, Sendable {
    /// A line, without its trailing newline.
    case line(String)
    /// Ctrl-C: the line being typed was abandoned.
    case interrupted
    /// Ctrl-D on an empty line, or the terminal went away.
    case eof
}

public final class LineEditor {
    /// Called on TAB with the text of the current line before the cursor.
    public var completer: ((String) -> Completion)?

    /// The history file, nil when history is not persistent.
    public let historyFile: String?
    /// The most entries kept in memory and in the file.
    public let historySize: Int

    private var el: OpaquePointer?       // EditLine *
    private var hist: OpaquePointer?     // HistoryW *
    private var promptBuffer: UnsafeMutablePointer<wchar_t>
    private var historyWriteFailed = false

    /// Marks the start and end of non-printing prompt sequences (EL_PROMPT_ESC).
    private static let promptIgnore: wchar_t = 1

    /// programName is used for ~/.editrc sections; historyFile nil = no persistent history.
    public init(programName: String, historyFile: String?, historySize: Int = 2000) {
        self.historyFile = historyFile.flatMap { $0.isEmpty ? nil : $0 }
        self.historySize = max(1, historySize)
        promptBuffer = .allocate(capacity: 1)
        promptBuffer.initialize(to: 0)

        _ = salesh_le_setup_locale()

        hist = history_winit()
        if let hist {
            _ = salesh_hist_setsize(hist, Int32(clamping: self.historySize))
            _ = salesh_hist_setunique(hist, 1)
            if let file = self.historyFile {
                _ = salesh_hist_load(hist, file)   // a missing file is fine
            }
        }

        el = el_init(programName, salesh_le_stdin(), salesh_le_stdout(), salesh_le_stderr())
        guard let el else { return }

        _ = salesh_el_set_clientdata(el, Unmanaged.passUnretained(self).toOpaque())
        _ = salesh_el_set_prompt_esc(el, { el in
            guard let el, let raw = salesh_el_get_clientdata(el) else { return salesh_le_empty_prompt() }
            return Unmanaged<LineEditor>.fromOpaque(raw).takeUnretainedValue().promptBuffer
        }, LineEditor.promptIgnore)
        _ = salesh_el_set_editor(el, "emacs".wide)
        _ = salesh_el_set_signal(el, 1)   // SIGWINCH resize, tty restored on signals
        if let hist { _ = salesh_el_set_hist(el, hist) }

        _ = salesh_el_add_fn(el, "salesh-search".wide, "Search the history backwards as you type".wide, { el, _ in
            guard let el, let raw = salesh_el_get_clientdata(el) else { return UInt8(CC_ERROR) }
            return Unmanaged<LineEditor>.fromOpaque(raw).takeUnretainedValue().search(el)
        })
        _ = salesh_el_add_fn(el, "salesh-complete".wide, "Complete the word before the cursor".wide, { el, _ in
            guard let el, let raw = salesh_el_get_clientdata(el) else { return UInt8(CC_ERROR) }
            return Unmanaged<LineEditor>.fromOpaque(raw).takeUnretainedValue().complete(el)
        })

        // libedit 3.1-2022xxxx mis-draws a wrapped line when it inserts with the terminal's insert-
        // character capabilities right before the margin (the next row gets cleared). Without them it
        // redraws the rest of the row instead, which is correct.
        for cap in ["im", "ic", "IC"] {
            _ = salesh_el_settc(el, cap.wide, "".wide)
        }

        let bindings: [(String, String)] = [
            ("^I", "salesh-complete"),
            ("^R", "salesh-search"),
            ("\\e[3~", "ed-delete-next-char"),
            ("\\e[1~", "ed-move-to-beg"), ("\\e[H", "ed-move-to-beg"), ("\\eOH", "ed-move-to-beg"),
            ("\\e[4~", "ed-move-to-end"), ("\\e[F", "ed-move-to-end"), ("\\eOF", "ed-move-to-end"),
            ("\\e[1;5C", "em-next-word"), ("\\e[1;5D", "ed-prev-word"),
            ("\\e[1;3C", "em-next-word"), ("\\e[1;3D", "ed-prev-word"),
        ]
        for (key, command) in bindings {
            _ = salesh_el_bind(el, key.wide, command.wide)
        }
        // ~/.editrc (or $EDITRC) last, so the user's settings win.
        _ = el_source(el, nil)
    }

    deinit {
        close()
        promptBuffer.deallocate()
    }

    // MARK: - Reading

    /// Reads one line with the prompt (ANSI colour escapes in the prompt are fine). Ctrl-C abandons the
    /// current line and returns .interrupted; Ctrl-D on an empty line returns .eof.
    public func readLine(prompt: String) -> ReadResult {
        guard let el else { return .eof }
        setPrompt(prompt)
        fflush(salesh_le_stdout())

        _ = salesh_le_install_sigint()
        defer { salesh_le_restore_sigint() }

        var pushBack: [wchar_t]?
        while true {
            if salesh_le_sigint_pending() != 0 {
                return interrupted(el)
            }
            if let text = pushBack {
                text.withUnsafeBufferPointer { el_wpush(el, $0.baseAddress) }
                pushBack = nil
            }
            var count: Int32 = 0
            let result = el_wgets(el, &count)
            let savedErrno = errno
            if let result, count > 0 {
                var line = String(wide: result, count: Int(count))
                while line.hasSuffix("\n") || line.hasSuffix("\r") { line.removeLast() }
                return .line(line)
            }
            if salesh_le_sigint_pending() != 0 {
                return interrupted(el)
            }
            if count == -1 && savedErrno == EINTR {
                // Some other signal interrupted the read: erase the prompt and input (libedit draws
                // them again from the prompt's row) and carry on with what was typed.
                let up = inputRows(el).cursor
                pushBack = currentLine(el).map { $0.wide }.flatMap { $0.count > 1 ? $0 : nil }
                let out = salesh_le_stdout()
                fputs((up > 0 ? "\u{1B}[\(up)A" : "") + "\r\u{1B}[J", out)
                fflush(out)
                continue
            }
            // libedit echoed "^D" (or the terminal went away): end the prompt's line.
            let out = salesh_le_stdout()
            fputs("\n", out)
            fflush(out)
            return .eof
        }
    }

    /// Runs `body` with Ctrl-C caught: `body` polls the closure it is given to learn it was pressed.
    public static func untilInterrupted(_ body: (_ interrupted: () -> Bool) -> Void) {
        _ = salesh_le_install_sigint()
        defer { salesh_le_restore_sigint(); salesh_le_sigint_clear() }
        body { salesh_le_sigint_pending() != 0 }
    }

    private func interrupted(_ el: OpaquePointer) -> ReadResult {
        salesh_le_sigint_clear()
        // The next prompt goes on a fresh row below the abandoned text, which may wrap over several
        // rows with the cursor on an earlier one.
        let down = inputRows(el).below
        el_reset(el)
        let out = salesh_le_stdout()
        fputs(String(repeating: "\n", count: down + 1), out)
        fflush(out)
        return .interrupted
    }

    /// Where the cursor is among the screen rows of prompt + input (`cursor`, 0 = the prompt's row) and
    /// how many rows the input extends below it (`below`), following libedit's wrapping: a wide
    /// character that does not fit goes to the next row; a full row wraps at once.
    private func inputRows(_ el: OpaquePointer) -> (cursor: Int, below: Int) {
        guard let info = el_wline(el), let buffer = info.pointee.buffer, let cursor = info.pointee.cursor,
              let last = info.pointee.lastchar
        else { return (0, 0) }
        let width = terminalColumns()
        var row = 0, col = 0
        func put(_ c: wchar_t) {
            var w = Int(salesh_le_wcwidth(c))
            if w < 0 { w = c < 0x20 || c == 0x7F ? 2 : 1 }   // ^X, or a visible escape
            if col + w > width { row += 1; col = 0 }
            col += w
            if col >= width { row += 1; col = 0 }
        }
        var inLiteral = false
        var p = promptBuffer
        while p.pointee != 0 {
            if p.pointee == LineEditor.promptIgnore { inLiteral.toggle() } else if !inLiteral { put(p.pointee) }
            p += 1
        }
        var q = UnsafePointer(buffer)
        while q < cursor { put(q.pointee); q += 1 }
        let cursorRow = row
        while q < last { put(q.pointee); q += 1 }
        return (cursorRow, max(0, row - cursorRow))
    }

    private func terminalColumns() -> Int {
        var columns = Int(salesh_le_term_columns(fileno(salesh_le_stdout())))
        if columns <= 0 { columns = Int(salesh_le_term_columns(STDIN_FILENO)) }
        return columns > 0 ? columns : 80
    }

    private func currentLine(_ el: OpaquePointer) -> String? {
        guard let info = el_wline(el), let buffer = info.pointee.buffer, let last = info.pointee.lastchar else {
            return nil
        }
        return String(wide: buffer, count: buffer.distance(to: last))
    }

    private func setPrompt(_ prompt: String) {
        let wide = LineEditor.markNonPrinting(prompt)
        promptBuffer.deallocate()
        promptBuffer = .allocate(capacity: wide.count + 1)
        for (i, w) in wide.enumerated() { (promptBuffer + i).initialize(to: w) }
        (promptBuffer + wide.count).initialize(to: 0)
    }

    /// Brackets ANSI escape sequences (CSI, OSC, two-character ESC sequences) with the prompt's ignore
    /// character so libedit does not count them in the prompt width. A prompt that already contains the
    /// ignore character (\u{1}) is taken as marked by the caller.
    static func markNonPrinting(_ prompt: String) -> [wchar_t] {
        let scalars = Array(prompt.unicodeScalars)
        if scalars.contains(where: { $0.value == UInt32(promptIgnore) }) {
            return scalars.map { wchar_t(bitPattern: $0.value) }
        }
        var out: [wchar_t] = []
        out.reserveCapacity(scalars.count + 8)
        var i = 0
        while i < scalars.count {
            let s = scalars[i].value
            guard s == 0x1B else {
                out.append(wchar_t(bitPattern: s))
                i += 1
                continue
            }
            var j = i + 1
            if j < scalars.count {
                let kind = scalars[j].value
                j += 1
                if kind == 0x5B { // CSI: ESC [ params final(0x40-0x7E)
                    while j < scalars.count {
                        let v = scalars[j].value
                        j += 1
                        if v >= 0x40 && v <= 0x7E { break }
                    }
                } else if kind == 0x5D { // OSC: ESC ] ... BEL | ESC \
                    while j < scalars.count {
                        let v = scalars[j].value
                        j += 1
                        if v == 0x07 { break }
                        if v == 0x1B && j < scalars.count && scalars[j].value == 0x5C { j += 1; break }
                    }
                }
            }
            out.append(promptIgnore)
            for k in i..<j { out.append(wchar_t(bitPattern: scalars[k].value)) }
            out.append(promptIgnore)
            i = j
        }
        return out
    }

    // MARK: - Completion

    private func complete(_ el: OpaquePointer) -> UInt8 {
        guard let completer,
              let info = el_wline(el), let buffer = info.pointee.buffer, let cursor = info.pointee.cursor
        else { return UInt8(CC_ERROR) }
        let before = String(wide: buffer, count: buffer.distance(to: cursor))
        let afterCursor: wchar_t? = info.pointee.lastchar.map { cursor < $0 ? cursor.pointee : 0 }

        let completion = completer(before)
        var seen = Set<String>()
        let candidates = completion.candidates.filter { !$0.isEmpty && seen.insert($0).inserted }
        guard !candidates.isEmpty else { return UInt8(CC_ERROR) }

        let replace = max(0, min(completion.replace, before.count))
        let word = String(before.suffix(replace))

        if candidates.count == 1 {
            let candidate = candidates[0]
            let keepsOpen = ["/", "\"", "=", "(", "."].contains { candidate.hasSuffix($0) }
            if keepsOpen {
                replaceWord(el, word: word, with: candidate)
            } else if afterCursor == 0x20 {
                replaceWord(el, word: word, with: candidate)
                _ = el_cursor(el, 1)  // step over the space that is already there
            } else {
                replaceWord(el, word: word, with: candidate + " ")
            }
            return UInt8(CC_REFRESH)
        }

        let prefix = LineEditor.longestCommonPrefix(candidates)
        if prefix.count > word.count {
            replaceWord(el, word: word, with: prefix)
            return UInt8(CC_REFRESH)
        }

        let out = salesh_el_get_outfile(el) ?? salesh_le_stdout()
        // Below the input, list, then leave as many blank rows as the cursor was below the prompt's
        // row: CC_REDISPLAY clears and redraws relative to where libedit believes the cursor is.
        let rows = inputRows(el)
        var text = String(repeating: "\r\n", count: rows.below + 1)
        for line in LineEditor.columnize(candidates, width: terminalColumns()).split(separator: "\n") {
            text += line + "\r\n"
        }
        text += String(repeating: "\r\n", count: rows.cursor)
        fputs(text, out)
        fflush(out)
        return UInt8(CC_REDISPLAY)
    }

    // MARK: - Ctrl-R

    /// Incremental search back through the history, drawn on the input's row: each key typed narrows
    /// the search, Ctrl-R finds the next older match, Backspace widens it again, Enter runs the line
    /// found, Ctrl-G, Esc or Ctrl-C give the line back as it was, and any other key keeps the line found
    /// for editing. (libedit's own search looks each key up by the low byte of the character, so a
    /// Chinese character such as 會, U+6703, whose low byte is Ctrl-C, ended the search.)
    private func search(_ el: OpaquePointer) -> UInt8 {
        guard let hist else { return UInt8(CC_ERROR) }
        var entries: [String] = []
        var p = salesh_hist_first(hist)
        while let e = p {
            entries.append(String(wide: e, count: wcslen(e)))
            p = salesh_hist_next_older(hist)
        }
        let original = currentLine(el) ?? ""
        var pattern = ""
        var at: Int? = nil   // the entry shown
        func find(from start: Int) -> Int? {
            guard !pattern.isEmpty, start < entries.count else { return nil }
            return entries[start...].firstIndex { $0.contains(pattern) }
        }
        func draw() {
            let failing = !pattern.isEmpty && at == nil
            var text = (failing ? "(search failed) `" : "(search) `") + pattern + "': " + (at.map { entries[$0] } ?? original)
            text = String(text.map { $0 == "\n" ? "⏎" : $0 })
            let room = terminalColumns() - 1
            while LineEditor.displayWidth(text) > room, !text.isEmpty { text.removeLast() }
            LineEditor.write("\r\u{1B}[K" + text)
        }
        enum End { case run, keep, cancel }
        var end = End.cancel
        draw()
        reading: while true {
            var wc: wchar_t = 0
            guard el_wgetc(el, &wc) == 1 else { break }
            switch wc {
            case 0x12:                                   // Ctrl-R: the next older match
                if let i = find(from: (at ?? -1) + 1) { at = i }
            case 0x7F, 0x08:                             // Backspace
                if !pattern.isEmpty { pattern.removeLast(); at = pattern.isEmpty ? nil : find(from: 0) }
            case 0x0D, 0x0A: end = at == nil ? .cancel : .run; break reading
            case 0x07, 0x03: end = .cancel; break reading
            case 0x1B:                                   // Esc, or the start of an arrow key's sequence
                end = .cancel
                drainPendingInput(el)
                break reading
            case 0..<0x20: end = at == nil ? .cancel : .keep; break reading
            default:
                guard let scalar = Unicode.Scalar(UInt32(bitPattern: wc)) else { continue }
                pattern.unicodeScalars.append(scalar)
                at = find(from: at ?? 0) ?? find(from: 0)
            }
            draw()
        }
        let line = end == .cancel ? original : entries[at!]
        LineEditor.write("\r\u{1B}[K")
        if let info = el_wline(el), let buffer = info.pointee.buffer, let last = info.pointee.lastchar, let cursor = info.pointee.cursor {
            _ = el_cursor(el, Int32(cursor.distance(to: last)))
            let n = buffer.distance(to: last)
            if n > 0 { el_deletestr(el, Int32(n)) }
        }
        let wide = line.wide
        _ = wide.withUnsafeBufferPointer { el_winsertstr(el, $0.baseAddress) }
        // Running the line found: drawn again with the prompt first, then Enter as if typed.
        if end == .run { el_push(el, "\n") }
        return UInt8(CC_REDISPLAY)
    }

    private static func write(_ text: String) {
        fputs(text, salesh_le_stdout())
        fflush(salesh_le_stdout())
    }

    /// Reads what the terminal has already sent (the rest of an escape sequence), so it is not typed.
    private func drainPendingInput(_ el: OpaquePointer) {
        var fds = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        while poll(&fds, 1, 30) > 0 {
            var wc: wchar_t = 0
            guard el_wgetc(el, &wc) == 1 else { return }
            if wc >= 0x40 && wc <= 0x7E && wc != 0x5B && wc != 0x4F { return }   // the final byte of CSI / SS3
        }
    }

    private func replaceWord(_ el: OpaquePointer, word: String, with text: String) {
        let n = word.unicodeScalars.count
        if n > 0 { el_deletestr(el, Int32(n)) }
        let wide = text.wide
        _ = wide.withUnsafeBufferPointer { el_winsertstr(el, $0.baseAddress) }
    }

    static func longestCommonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first.map(Array.init) else { return "" }
        for word in words.dropFirst() {
            var n = 0
            for (a, b) in zip(prefix, word) {
                if a != b { break }
                n += 1
            }
            prefix.removeSubrange(n...)
            if prefix.isEmpty { break }
        }
        return String(prefix)
    }

    /// Lays candidates out in columns (filled top to bottom) for a terminal `width` columns wide;
    /// every row ends with a newline.
    static func columnize(_ items: [String], width: Int) -> String {
        guard !items.isEmpty else { return "" }
        let widths = items.map(displayWidth)
        let cell = (widths.max() ?? 0) + 2
        var cols = max(1, (max(width, 1) + 2) / cell)
        let rows = (items.count + cols - 1) / cols
        cols = (items.count + rows - 1) / rows
        var text = ""
        for r in 0..<rows {
            var line = ""
            for c in 0..<cols {
                let i = c * rows + r
                guard i < items.count else { break }
                line += items[i]
                let isLast = c == cols - 1 || (c + 1) * rows + r >= items.count
                if !isLast { line += String(repeating: " ", count: cell - widths[i]) }
            }
            text += line + "\n"
        }
        return text
    }

    /// Terminal columns taken by `s` (CJK and other wide characters count 2).
    public static func displayWidth(_ s: String) -> Int {
        var w = 0
        for scalar in s.unicodeScalars {
            let cw = salesh_le_wcwidth(wchar_t(bitPattern: scalar.value))
            if cw > 0 { w += Int(cw) }
        }
        return w
    }

    // MARK: - History

    /// Adds to the in-memory history (no empty lines, no consecutive duplicates) and appends it to the
    /// history file (created 0600) so it survives restarts.
    public func addHistory(_ line: String) {
        var line = line
        while line.hasSuffix("\n") || line.hasSuffix("\r") { line.removeLast() }
        guard !line.allSatisfy(\.isWhitespace), let hist else { return }
        let wide = line.wide
        _ = wide.withUnsafeBufferPointer { salesh_hist_enter(hist, $0.baseAddress) }
        guard let file = historyFile else { return }
        if !appendToHistoryFile(file, wide) { historyWriteFailed = true }
    }

    /// Merges the entry into the file's current contents (so concurrent sessions do not lose each
    /// other's lines) and writes the result atomically.
    private func appendToHistoryFile(_ file: String, _ wide: [wchar_t]) -> Bool {
        guard let merged = history_winit() else { return false }
        defer { history_wend(merged) }
        _ = salesh_hist_setsize(merged, Int32(clamping: historySize))
        _ = salesh_hist_setunique(merged, 1)
        _ = salesh_hist_load(merged, file)
        _ = wide.withUnsafeBufferPointer { salesh_hist_enter(merged, $0.baseAddress) }
        return writeHistory(merged, to: file)
    }

    private func writeHistory(_ h: OpaquePointer, to file: String) -> Bool {
        LineEditor.makeParentDirectory(of: file)
        let tmp = file + ".tmp\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { return false }
        _ = fchmod(fd, 0o600)
        guard let fp = fdopen(fd, "w") else {
            Glibc_close(fd)
            unlink(tmp)
            return false
        }
        let written = salesh_hist_save_fp(h, fp)
        let flushed = fflush(fp) == 0
        let closed = fclose(fp) == 0
        guard written >= 0, flushed, closed, rename(tmp, file) == 0 else {
            unlink(tmp)
            return false
        }
        return true
    }

    private static func makeParentDirectory(of file: String) {
        guard let slash = file.lastIndex(of: "/"), slash != file.startIndex else { return }
        let dir = String(file[..<slash])
        var st = stat()
        if stat(dir, &st) == 0 { return }
        makeParentDirectory(of: dir)
        _ = mkdir(dir, 0o700)
    }

    /// Saves history (if an earlier write failed) and releases libedit. Idempotent.
    public func close() {
        if let hist, let file = historyFile, historyWriteFailed {
            if writeHistory(hist, to: file) { historyWriteFailed = false }
        }
        if let el {
            el_end(el)
            self.el = nil
        }
        if let hist {
            history_wend(hist)
            self.hist = nil
        }
    }
}

// MARK: - wide strings

private func Glibc_close(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #elseif canImport(Musl)
    _ = Musl.close(fd)
    #elseif canImport(Darwin)
    _ = Darwin.close(fd)
    #endif
}

extension String {
    /// NUL-terminated wchar_t (UTF-32) array.
    fileprivate var wide: [wchar_t] {
        var a = unicodeScalars.map { wchar_t(bitPattern: $0.value) }
        a.append(0)
        return a
    }

    fileprivate init(wide p: UnsafePointer<wchar_t>, count: Int) {
        var scalars = String.UnicodeScalarView()
        for i in 0..<Swift.max(0, count) {
            if let s = Unicode.Scalar(UInt32(bitPattern: p[i])) { scalars.append(s) }
        }
        self.init(scalars)
    }
}
