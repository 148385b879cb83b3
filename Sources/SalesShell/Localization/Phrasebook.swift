import Foundation
import SalesCore

/// Translates the shell's English messages. Every message is made from phrases: English literals
/// with values interpolated. The phrasebook pairs each phrase's shape (the literal with `%@` where a
/// value goes) with its Traditional Chinese, in which `%1`, `%2` … place the values in any order (or
/// leave one out, such as an English plural's "s"). A value is itself translated when it is a phrase,
/// an entity's name or a lifecycle state, so composed messages translate whole. A test reads the
/// sources and fails on a phrase without a translation.
public enum Phrasebook {
    struct Entry {
        let shape: String
        let pieces: [String]
        let zh: String
        let utf8Pieces: [[UInt8]]
        /// The separators the shape holds (bit k: `separators[k]`), to pass over at once a shape that
        /// cannot match a text holding others (a value may not hold one): an import's report of
        /// thousands of refused rows was tried whole, then line by line, against every shape.
        let separators: UInt8
        /// The shape's first byte, or -1 when it begins with a value: most shapes are passed over by it.
        let lead: Int16
    }

    static func separatorMask(_ text: String) -> UInt8 {
        var text = text
        return text.withUTF8 { t in
            var mask: UInt8 = 0
            for (k, separator) in separatorBytes.enumerated() where separator.withUnsafeBufferPointer({ find($0, in: t, from: 0) != nil }) {
                mask |= 1 << k
            }
            return mask
        }
    }
    static let separatorBytes = separators.map { Array($0.0.utf8) }

    /// Where `piece` (not empty) first is in `t` at or after `start`.
    static func find(_ piece: UnsafeBufferPointer<UInt8>, in t: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let p = piece.baseAddress, let base = t.baseAddress, !piece.isEmpty else { return nil }
        var i = start
        while i + piece.count <= t.count {
            guard let hit = memchr(base + i, Int32(p[0]), t.count - piece.count + 1 - i) else { return nil }
            i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + i, p, piece.count) == 0 { return i }
            i += 1
        }
        return nil
    }

    /// Every phrase: those that begin with fixed text first, then the most specific (longest fixed text)
    /// first, so a general shape never hides a particular one. A shape that begins with a value would
    /// take the start of a message composed around it as that value (`imported F into E: %@` holds
    /// `%@ new, %@ updated …`; read the other way round it came out as 新增 已將 F 匯入…：1，更新 0).
    static let entries: [Entry] = (core + language + queries).map { en, zh in
        let pieces = en.components(separatedBy: "%@"), utf8Pieces = pieces.map { Array($0.utf8) }
        return Entry(shape: en, pieces: pieces, zh: zh, utf8Pieces: utf8Pieces, separators: separatorMask(en),
                     lead: utf8Pieces[0].first.map(Int16.init) ?? -1)
    }.sorted { a, b in
        let fa = !a.pieces[0].isEmpty, fb = !b.pieces[0].isEmpty
        if fa != fb { return fa }
        let la = a.pieces.reduce(0) { $0 + $1.count }, lb = b.pieces.reduce(0) { $0 + $1.count }
        return la != lb ? la > lb : a.shape < b.shape
    }

    /// The shapes the phrasebook knows, for the coverage test.
    public static var shapes: Set<String> { Set(entries.map(\.shape)) }

    public static func translate(_ text: String, to language: UILanguage) -> String {
        guard language == .zhHant, !text.isEmpty else { return text }
        return translate(text, depth: 0)
    }

    static let separators = [("\n", "\n"), ("; ", "；"), (" — ", " — ")]

    /// A message whole, else line by line, else its parts joined by "; " or " — " (a confirmation with
    /// what else the change did, a message with a note).
    static func translate(_ text: String, depth: Int) -> String {
        if let whole = translateOne(text, depth: depth) { return whole }
        let mask = separatorMask(text)
        for (k, (separator, zh)) in separators.enumerated() where mask & 1 << k != 0 {
            return text.components(separatedBy: separator).map { translate($0, depth: depth) }.joined(separator: zh)
        }
        return text
    }

    static func translateOne(_ text: String, depth: Int) -> String? {
        if let t = terms[text] { return t }
        guard depth < 4, !text.isEmpty else { return nil }
        // A value may not span a line break, "; " or " — " the shape does not have: such a text is
        // several messages composed, translated part by part. So only shapes that hold every separator
        // the text holds are tried; each read in place (copied, its strings and arrays were retained
        // and released for every shape and every line of a long report).
        let mask = separatorMask(text), lead = Int16(text.utf8.first!)
        return entries.withUnsafeBufferPointer { es -> String? in
            for i in es.indices where mask & ~es[i].separators == 0 && (es[i].lead < 0 || es[i].lead == lead) {
                guard let values = match(es[i].utf8Pieces, text) else { continue }
                return fill(es[i].zh, values, values.map { translate($0, depth: depth + 1) })
            }
            return nil
        }
    }

    /// The values of `text` where it has the shape `pieces` (fixed text between the values), or nil.
    static func match(_ pieces: [String], _ text: String) -> [String]? {
        match(pieces.map { Array($0.utf8) }, text)
    }

    /// `match` over UTF-8 bytes: a fixed piece, whole UTF-8, found in whole UTF-8 starts where a
    /// character does. (A search for each piece through Foundation, or through the standard library's
    /// searcher, which builds a table for every search, took a second for every thousand refused rows
    /// of an import's report.)
    static func match(_ pieces: [[UInt8]], _ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { t -> [String]? in
            func same(_ piece: [UInt8], at start: Int) -> Bool {
                guard start >= 0, start + piece.count <= t.count else { return false }
                return piece.withUnsafeBufferPointer { p in p.isEmpty || memcmp(t.baseAddress! + start, p.baseAddress!, p.count) == 0 }
            }
            func find(_ piece: [UInt8], from start: Int) -> Int? { piece.withUnsafeBufferPointer { Phrasebook.find($0, in: t, from: start) } }
            func text(_ from: Int, _ to: Int) -> String { String(decoding: UnsafeBufferPointer(rebasing: t[from ..< to]), as: UTF8.self) }
            let first = pieces[0]
            guard same(first, at: 0) else { return nil }
            if pieces.count == 1 { return t.count == first.count ? [] : nil }
            var values: [String] = []
            var at = first.count
            for k in 1 ..< pieces.count {
                let piece = pieces[k]
                if k == pieces.count - 1 {
                    guard t.count - at >= piece.count, same(piece, at: t.count - piece.count) else { return nil }
                    values.append(text(at, t.count - piece.count))
                } else if piece.isEmpty {
                    // Two values side by side ("0" and "%" in "between 0%…"): the later one takes the text.
                    values.append("")
                } else {
                    guard let r = find(piece, from: at) else { return nil }
                    values.append(text(at, r))
                    at = r + piece.count
                }
            }
            return values
        }
    }

    /// Puts the values into a Chinese template at `%1` … `%9`: translated, except inside 「」, where a
    /// name stands as it was typed (`did you mean 'amount'?` → 是不是要找「amount」？).
    static func fill(_ template: String, _ raw: [String], _ translated: [String]? = nil) -> String {
        let translated = translated ?? raw
        var out = ""
        var quoted = false
        var chars = template.makeIterator()
        while let c = chars.next() {
            if c == "「" { quoted = true } else if c == "」" { quoted = false }
            guard c == "%" else { out.append(c); continue }
            guard let d = chars.next() else { out.append(c); break }
            if let n = d.wholeNumberValue, n >= 1, n <= raw.count { out += quoted ? raw[n - 1] : translated[n - 1] } else { out.append(c); out.append(d) }
        }
        return out
    }

    /// Words that appear as values: entity names, lifecycle states, month names, a few words.
    static let terms: [String: String] = {
        var t: [String: String] = [
            "January": "1 月", "February": "2 月", "March": "3 月", "April": "4 月", "May": "5 月", "June": "6 月", "July": "7 月",
            "August": "8 月", "September": "9 月", "October": "10 月", "November": "11 月", "December": "12 月",
            "check": "檢查", "report": "報表", "warning": "預警",
        ]
        // Entity names, lifecycle states and field names, by the regulations' terms. A name whose
        // meanings differ stays as it is: "qualified" is a lead's 有價值 but an opportunity's 商機確認,
        // "signed" a contract's state and another record's date.
        var meanings: [String: Set<String>] = [:]
        for e in Schema.sales.entities {
            meanings[e.name, default: []].insert(e.zh)
            meanings[e.plural, default: []].insert(e.zh)
            // A field named after an entity (a visit's `staff`) is that entity, said by the entity's name.
            for f in e.fields where f.zh != nil && Schema.sales.index(of: f.name) == nil {
                meanings[f.name, default: []].insert(Messages.heading(f.name, .zhHant))
            }
            if let sm = e.stateMachine, let en = e.field(sm.field)?.type.enumType {
                for c in en.cases { if let zh = c.zh { meanings[c.name, default: []].insert(zh) } }
            }
        }
        for (name, zh) in meanings where zh.count == 1 && t[name] == nil { t[name] = zh.first! }
        return t
    }()
}
