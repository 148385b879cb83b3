/// What the shell command is asked to do: `salesh [OPTIONS] [-c STATEMENTS]… [SCRIPT [NAME=VALUE]…]`.
struct ShellRequest: Equatable {
    var store: StoreSettings
    var commands: [String]
    var script: String?
    var params: [String]
}

extension ShellRequest {
    /// The plain forms of the shell command read without swift-argument-parser, whose first parse (the
    /// runtime's reflection over every option) is a third of the start-up: `--option VALUE`, flags,
    /// `-c STATEMENTS`, a script and its parameters, each option once. Anything else (help, `--version`,
    /// `--option=VALUE`, a subcommand, an unknown or repeated option, a value starting with `-`) is nil,
    /// and swift-argument-parser reads it, says what is wrong, or prints the help. `ShellRequestTests`
    /// checks both readings agree.
    init?(quickly arguments: [String]) {
        var store = StoreSettings(), commands: [String] = [], seen: Set<String> = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            guard a.hasPrefix("-") else { break }
            if a == "-c" {
                guard i + 1 < arguments.count, !arguments[i + 1].hasPrefix("-") else { return nil }
                commands.append(arguments[i + 1])
                i += 2
                continue
            }
            guard seen.insert(a).inserted else { return nil }
            let value = i + 1 < arguments.count && !arguments[i + 1].hasPrefix("-") ? arguments[i + 1] : nil
            switch a {
            case "--read-only": store.readOnly = true
            case "--keep-going": store.keepGoing = true
            case "--quiet": store.quiet = true
            case "--json": store.json = true
            case "--data", "--user", "--format", "--output", "--sandbox", "--lang":
                guard let value else { return nil }
                switch a {
                case "--data": store.data = value
                case "--user": store.user = value
                case "--format": store.format = value
                case "--output": store.output = value
                case "--sandbox": store.sandbox = value
                default: store.lang = value
                }
                i += 1
            default: return nil
            }
            i += 1
        }
        let rest = arguments[i...]
        if let script = rest.first, script == "help" || Salesh.configuration.subcommands.contains(where: { $0._commandName == script }) { return nil }
        if rest.dropFirst().contains(where: { $0.hasPrefix("-") }) { return nil }
        self.init(store: store, commands: commands, script: rest.first, params: Array(rest.dropFirst()))
    }
}
