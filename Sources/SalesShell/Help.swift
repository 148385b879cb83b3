import SalesCore
import SalesLanguage

/// `help`, `help STATEMENT`, `help ENTITY`, `help dates` …, built from the schema where it can be.
struct Help {
    let schema: Schema
    /// The store's saved checks and reports, listed with the built-in ones.
    var model: Model? = nil

    static let statements: [(name: String, usage: String, text: String, example: String)] = [
        ("add", "add ENTITY [ID] field=value …", "Create a record. Staff, teams and products take an id you choose; other records are numbered (O1024).",
         "add lead company=\"台灣大哥大\" source=行業展會 owner=wang.wei"),
        ("set", "set ID field=value …", "Change fields of a record. Lifecycle fields change through move, win, lose and reopen.",
         "set O1024 amount=1.35m expected_close=2026-12-15"),
        ("delete", "delete ID …", "Delete records that nothing refers to.", "delete L12"),
        ("move", "move ID to STATE [field=value …]", "Move a record one step along its lifecycle (forward only).",
         "move O1024 to negotiation"),
        ("win", "win ID", "Mark an opportunity in negotiation as won (probability 100 %, closed today).", "win O1024"),
        ("lose", "lose ID reason=\"…\"", "Mark an opportunity as lost; a reason is required.", "lose O1025 reason=\"price\""),
        ("reopen", "reopen ID [to STATE]", "Take a record back to an earlier open state; a won or lost opportunity returns to the stage it left.",
         "reopen O1025"),
        ("convert", "convert LEAD [field=value …]", "Turn a qualified lead into a customer (or link customer=C…) and a new opportunity.",
         "convert L7 title=\"5G 專網\" amount=1.2m"),
        ("show", "show ID", "One record with its related records and its history.", "show O1024"),
        ("reject", "reject ID reason=\"…\"", "Reject a claim (or a proposal) with a reason.", "reject E12 reason=\"no receipt\""),
        ("open", "open appraisals PERIOD", "Open the month's or year's appraisals for every manager, rep and presales engineer.", "open appraisals 2026-10"),
        ("approve", "approve ID", "Approve as the acting user, when a rule needs it (a discount over the limit needs the owner's manager).", "approve N12"),
        ("let", "let NAME = EXPR | let NAME = (QUERY)", "Bind a value, or a query's rows, to $NAME for later statements; rows are used as $NAME | where ….",
         "let stale = (expenses | where status = submitted and age(date) > 7d)"),
        ("param", "param NAME = DEFAULT", "Declare a script parameter: salesh run FILE NAME=VALUE overrides the default, read as the default's type.",
         "param month = last_month"),
        ("check", "check CONDITION [else \"MESSAGE\"] | check none (QUERY) [else \"…\"] | check NAME",
         "Check a condition, or that a query finds nothing (its rows are shown when it does), or run a saved check or built-in warning. A script exits 1 when a check failed; {count} in the message is the number of rows.",
         "check none (expenses | where status = submitted and age(date) > 7d) else \"{count} claims waiting over a week\""),
        ("if", "if CONDITION { … } [else if CONDITION { … }] [else { … }]", "Run statements when a condition holds.",
         "if (visits | where overdue | count) > 0 { print \"follow up today\" }"),
        ("for", "for NAME in (QUERY) { … }", "Run statements for each row; $NAME is the row's id (first column), $NAME.FIELD each column.",
         "for r in (opportunities | where stage = negotiation) { print \"{$r.id} {$r.title}\" }"),
        ("print", "print \"TEXT {EXPR}\" | echo …", "Print text; {EXPR} in the text is replaced by its value.", "print \"{(opportunities | count)} opportunities over {$limit}\""),
        ("source", "source \"FILE.sales\"", "Run another script file here, with the same variables.", "source \"common.sales\""),
        ("define", "define check NAME … | define report NAME(PARAM [= DEFAULT], …) QUERY",
         "Save a check or a report in the store, run by name (check NAME, report NAME ARGS) by anyone; redefine to change it, undefine to remove it.",
         "define report my_pipeline(period = this_quarter) opportunities | where expected_close in $period | group stage | agg sum(amount)"),
        ("undefine", "undefine NAME", "Remove a saved check or report (its author or an admin).", "undefine my_pipeline"),
        ("diff", "diff ENTITY since DATE [| stage …]", "What was created, changed (field, old → new) and deleted since a day, from the history; who changed it last and when.",
         "diff opportunities since 2026-10-01 | where field = stage"),
        ("as", "ENTITY as of DATE | …", "Any query over the records as they stood at the end of a day (or a period, or a moment), from the history.",
         "opportunities as of 2026-06-30 | group stage | agg sum(amount)"),
        ("watch", "watch SECONDS STATEMENT", "In the shell: rerun a statement every N seconds until Ctrl-C.", "watch 10 report pipeline"),
        ("last", "last [| stage …]", "The previous result again, e.g. in another format.", "last | to csv \"result.csv\""),
        ("timer", "timer on|off", "Print each statement's time on standard error.", "timer on"),
        ("maxrows", "maxrows N|off", "Show at most N rows of a table, and say how many more there are.", "maxrows 50"),
        ("warnings", "warnings [NAME]", "The early warnings of chapter 6.3, each with the records that trip it.", "warnings stale_opportunities"),
        ("import", "import ENTITY from \"FILE.csv\" [--dry-run] [--skip-bad] [--rejects \"FILE\"] [map COLUMN=FIELD …]",
         "Load records from CSV, all or nothing; every bad row named with file:line:column.", "import training from \"q4.csv\" --dry-run"),
        ("export", "export QUERY to \"FILE\"", "Write a query's result to a file; the format follows the extension (csv, tsv, json, md).",
         "export trainings to \"trainings.csv\""),
        ("format", "format [table|csv|tsv|json|markdown]", "Show or set the output format.", "format csv"),
        ("save", "save", "Rewrite the snapshot now (it is also rewritten on exit and when the journal grows).", "save"),
        ("clear", "clear", "Clear the screen.", "clear"),
        ("quit", "quit", "Leave the shell (Ctrl-D does the same). Changes are already on disk.", "quit"),
        ("help", "help [TOPIC]", "This help. Topics: statements, entities, queries, expressions, dates, functions.", "help opportunity"),
    ]

    func text(for words: [String]) -> String {
        guard let topic = words.first?.lowercased() else { return overview() }
        if topic == "warnings" || topic == "warning" { return warnings() }
        if topic == "checks" || topic == "scripts" || topic == "scripting" { return scripting() }
        if topic == "errors" || topic == "exit" { return errors() }
        if topic == "search" || topic == "find" {
            guard words.count > 1 else { return "help search WORD lists every help topic that mentions WORD\n" }
            return search(words.dropFirst().joined(separator: " "))
        }
        if let s = Help.statements.first(where: { $0.name == topic }) {
            return "\(s.usage)\n  \(s.text)\n  example: \(s.example)\n"
        }
        if let e = schema.entity(named: topic) { return entity(e) }
        switch topic {
        case "statements": return Help.statements.map { "  \($0.usage.padded(40)) \($0.text.firstSentence)" }.joined(separator: "\n") + "\n"
        case "entities": return entities()
        case "queries", "query", "where", "sort", "take", "select", "group", "agg", "count": return queries()
        case "report", "reports", "chart": return reports()
        case "warnings", "warning": return warnings()
        case "expressions", "operators": return expressions()
        case "dates", "periods", "durations": return dates()
        case "functions": return functions()
        default:
            let all = Help.statements.map(\.name) + schema.entityNames + ["statements", "entities", "queries", "reports", "warnings", "expressions", "dates", "functions", "scripting", "checks", "errors", "search"]
            return "no help on '\(topic)'" + (Suggest.nearest(topic, in: all).map { "; did you mean '\($0)'?" } ?? "") + "\n"
        }
    }

    func overview() -> String {
        """
        salesh: the sales department's records, queries and rules.

        Statements (help STATEMENT for more):
        \(Help.statements.map { "  \($0.usage.padded(38)) \($0.text.firstSentence)" }.joined(separator: "\n"))

        Reports (help reports): report pipeline · funnel · forecast · winrate · leads · followups · kpi · budget · spend · risks
        Warnings (help warnings): warnings [NAME]
        Scripts and checks (help scripting): param · check · if · for · print · source · define\(saved())

        Queries: an entity, then stages joined by |
          opportunities | where stage = negotiation | sort amount desc | take 5
          opportunities | where closed in 2026 and stage = won | group month(closed) | agg count(), sum(amount) as revenue
          history | where record = O12

        Entities: \(schema.entities.map(\.plural).joined(separator: ", "))
        More: help ENTITY · help queries · help expressions · help dates · help functions

        """
    }

    func entities() -> String {
        schema.entities.map { e in
            "  \(e.name.padded(12)) \(e.zh.padded(10)) \(e.prefix.map { "\($0)…" } ?? "key").padded(5)) \(e.doc)"
        }.joined(separator: "\n") + "\n"
    }

    func entity(_ e: EntitySchema) -> String {
        var out = "\(e.name) (\(e.zh)), plural \(e.plural)\(e.chapter == "-" ? "" : ", regulations chapter \(e.chapter)")\n  \(e.doc)\n"
        out += "  ids: " + (e.prefix.map { "\($0) + number, e.g. \($0)12 (given automatically)" } ?? "chosen when added, e.g. add \(e.name) \(e.name == "staff" ? "wang.wei" : e.name == "team" ? "north" : "FIBER-1G") …") + "\n\nfields:\n"
        let nameWidth = e.fields.map { DisplayWidth.of($0.name) }.max() ?? 0
        let zhWidth = e.fields.map { DisplayWidth.of($0.zh ?? "") }.max() ?? 0
        let typeWidth = e.fields.map { DisplayWidth.of($0.type.description) }.max() ?? 0
        for f in e.fields {
            var notes: [String] = []
            if f.required { notes.append("required") }
            switch f.access {
            case .state: notes.append("changes through move")
            case .system: notes.append("kept by the rules")
            case .derived: notes.append("computed")
            case .user: break
            }
            if let r = f.range { notes.append("\(r.lowerBound)…\(r.upperBound == Int64.max / 100 ? "" : String(r.upperBound))") }
            switch f.defaultValue {
            case .today?: notes.append("default today")
            case .value(let v)?: notes.append("default \(v.display)")
            case nil: break
            }
            if !f.doc.isEmpty { notes.append(f.doc) }
            out += "  \(f.name.padded(nameWidth)) \((f.zh ?? "").padded(zhWidth)) \(f.type.description.padded(typeWidth)) \(notes.joined(separator: "; "))"
                .trimmingTrailingSpaces() + "\n"
            if let en = f.type.enumType, f.access != .state {
                out += "      values: " + en.cases.map { c in c.zh.map { "\(c.name) \($0)" } ?? c.name }.joined(separator: " · ") + "\n"
            }
        }
        if let sm = e.stateMachine, let en = e.field(sm.field)?.type.enumType {
            out += "\nlifecycle (\(sm.field)), starting at \(sm.initial):\n"
            for c in en.cases {
                let to = sm.transitions[c.name] ?? []
                let via = sm.verbOnly.filter { to.contains($0.key) }.map { "\($0.key) through \($0.value)" }
                out += "  \(c.name.padded(12)) \((c.zh ?? "").padded(8)) → \(to.isEmpty ? "(final)" : to.joined(separator: ", "))\(via.isEmpty ? "" : "  [\(via.joined(separator: ", "))]")\n"
            }
            for (state, fields) in sm.requiredOnEnter { out += "  \(state) needs \(fields.joined(separator: ", "))\n" }
        }
        if let p = Permissions.table[e.name] {
            out += "\nwho may change them: \(p.roles.sorted().joined(separator: ", "))"
            if !p.owners.isEmpty {
                let any = p.anyRecord.isEmpty ? "" : " (\(p.anyRecord.sorted().joined(separator: ", ")) any)"
                out += "; only their own (\(p.owners.joined(separator: " or "))) or their reports' records\(any), admins any"
            }
            out += "; analysts read only\n"
        } else if e.system {
            out += "\nkept by the shell: readable by all, changed by none\n"
        }
        if !e.system {
            let ex = e.prefix != nil ? "\(e.prefix!)1" : "ID"
            out += "\nexamples:\n  \(e.plural) | take 10\n  show \(ex)\n"
        }
        return out
    }

    func queries() -> String {
        """
        ENTITY | stage | stage …
          where COND                 keep rows where COND holds
          sort EXPR [desc], …        order rows (enumerations in lifecycle order)
          take N                     the first N rows
          select EXPR [as NAME], …   choose columns; paths follow references: owner.team.region
          group EXPR [as NAME], …    one row per distinct key; follow with agg (default count)
          agg count(), sum(x) [as NAME], …   aggregate: count sum avg min max
          count                      the number of rows
          to csv|tsv|json|markdown "FILE"   write the result to a file
        Every entity answers to its singular, plural and Chinese names (opportunity, opportunities, 商機).
        examples:
          opportunities | where stage in (proposal, negotiation) and amount > 100k | sort amount desc | take 10
          opportunities | group owner | agg count() as deals, sum(amount * probability) as weighted
          customers | where region = north | select name, owner.name, owner.team

        """
    }

    func reports() -> String {
        """
        report pipeline [PERIOD]     open opportunities by stage: count, amount, weighted (amount × probability);
                                     with a period, those expected to close in it
        report funnel [PERIOD]       opportunities created in the period: how many reached each stage (from the
                                     stage history), share of all created, conversion from the stage before
        report forecast [PERIOD]     weighted open amount by expected-close month
        report winrate [PERIOD] [by=owner|team|source]   won, lost, win rate, won amount, average sales cycle in days
        report leads [PERIOD]        leads by source: qualified, converted, conversion
        report followups             customers due a follow-up visit (strategic every 90 days, key every 180;
                                     settings followup_days_TIER change it)
        report kpi PERIOD [team=ID|staff=ID]   each sales person's KPIs and a total (also kpi_revenue(P) … in queries)
        report budget YEAR [team=ID] budgets: spent, pending, remaining, % used, straight-line projection
        report spend YEAR [team=ID]  approved spending by month (… | chart bar)
        report risks                 open risks as a 5 × 5 matrix
        report risk_list             open risks by level, the most severe first
        Reports are queries: report pipeline | where count > 10 | sort weighted desc, and --format csv exports them.
        … | chart bar                a bar chart of the last figure by the first label
        … | chart funnel             centred bars, for report funnel
        examples:
          report funnel 2026 | chart funnel
          report winrate this_year by=team
          opportunities | where stage = won | group owner.team | agg sum(amount) as revenue | chart bar

        """
    }

    /// The store's saved checks and reports, for the overview.
    func saved() -> String {
        guard let model else { return "" }
        let checks = Definitions.all("check", in: model).map(\.name), reports = Definitions.all("report", in: model).map(\.name)
        var out = ""
        if !checks.isEmpty { out += "\nSaved checks: " + checks.joined(separator: " · ") }
        if !reports.isEmpty { out += "\nSaved reports: " + reports.joined(separator: " · ") }
        return out
    }

    func scripting() -> String {
        var out = """
        A script is statements in a file: salesh run FILE [NAME=VALUE …], salesh FILE, or #!/usr/bin/env salesh.
          param month = last_month                        a parameter (salesh run monthly.sales month=2026-10)
          let late = (invoices | where overdue)           rows, used as $late | count, for r in $late { … }
          check (expenses | where status = submitted | count) = 0 else "claims waiting"
          check none (visits | where overdue) else "{count} visits overdue"     the rows are shown when it fails
          check overdue_invoices                          a saved check, or a built-in warning by name
          if … { … } else { … }    for r in (QUERY) { … $r.amount … }    print "{$month}: {count}"
          … | to markdown "kpi-{$month}.md"              a file named from a variable
        Exit status: 0 all well, 1 a check failed, 2 an error in the script, 3 the store cannot be opened.
        Options: --quiet (only failed checks), --json (the checks as one JSON document), --output FILE, --format.
        The environment is $env.NAME. Scripts cannot run programs; they read and write only the files they name.

        Checks (check NAME):

        """
        if let model {
            for d in Definitions.all("check", in: model) { out += "  \(d.name)  (saved\(d.author.isEmpty ? "" : " by \(d.author)"))\n    \(d.text)\n" }
        }
        out += Warnings.all.map { "  \($0.name)  (built in)\n    \($0.why)\n" }.joined()
        if let model, !Definitions.all("report", in: model).isEmpty {
            out += "\nSaved reports (report NAME ARGS):\n"
            for d in Definitions.all("report", in: model) { out += "  \(d.name)\(d.author.isEmpty ? "" : "  (by \(d.author))")\n    \(d.text)\n" }
        }
        return out + "\n"
    }

    func errors() -> String {
        """
        Every error says where and what, and nothing is changed:

          error: unknown field 'amout' on opportunity
           --> monthly.sales:3:23
            |
          3 | opportunities | where amout > 100k
            |                       ^^^^^
            = help: did you mean 'amount'?

        The `-->` line names the script (or -c, <input>, <stdin>), the line and the column; the caret
        marks the words at fault; help suggests a fix, often the nearest name. A rule that refuses a
        change names the rule and who may instead. A statement applies whole or not at all.

        Exit status of salesh: 0 success · 1 a check failed · 2 an error in the input (syntax, names,
        types, a rule, a bad file, bad usage) · 3 the store cannot be opened (not a store, damaged,
        locked by another shell). A script stops at its first error unless --keep-going.
        Import errors name file:line:column of the CSV, the row, what is wrong and a suggestion.

        """
    }

    /// Every topic whose text mentions the words: statements, entities and their fields, functions.
    func search(_ word: String) -> String {
        let w = word.lowercased()
        var hits: [String] = []
        for st in Help.statements where (st.usage + " " + st.text + " " + st.example).lowercased().contains(w) {
            hits.append("  help \(st.name.padded(14)) \(st.usage)")
        }
        for e in schema.entities {
            let fields = e.fields.filter { ($0.name + " " + ($0.zh ?? "") + " " + $0.doc).lowercased().contains(w) }.map(\.name)
            if (e.name + " " + e.plural + " " + e.zh + " " + e.doc).lowercased().contains(w) || !fields.isEmpty {
                hits.append("  help \(e.name.padded(14)) \(e.zh)\(fields.isEmpty ? "" : " — fields: \(fields.joined(separator: ", "))")")
            }
        }
        for topic in ["queries", "expressions", "dates", "functions", "reports", "warnings", "scripting", "errors"]
        where text(for: [topic]).lowercased().contains(w) {
            hits.append("  help \(topic)")
        }
        return hits.isEmpty ? "nothing in the help mentions '\(word)'\n" : "'\(word)' is mentioned in:\n" + hits.joined(separator: "\n") + "\n"
    }

    func warnings() -> String {
        "warnings [NAME] runs the early warnings; each is a query:\n\n" + Warnings.all.map { "  \($0.name)\n    \($0.why)\n    \($0.query)\n" }.joined(separator: "\n")
    }

    func expressions() -> String {
        """
        Comparisons  = != < <= > >=   x in (a, b)   x not in (…)   date in PERIOD   x is empty   x is not empty
        Logic        and or not        Arithmetic  + - * /   (money stays exact; money × percent is money)
        Text         "double" or 'single' quotes, Chinese anywhere; contains(title, "5G") or title contains "5G"
        Numbers      12  1.2m  500k  12,000.50  30%      Variables  $name (let), $env.HOME
        Enum values  in English or Chinese: source = exhibition is source = 行業展會
        A query in parentheses is a value: let n = (opportunities | where stage = won | count)

        """
    }

    func dates() -> String {
        """
        Dates      2026-10-01  2026/10/1   today yesterday tomorrow
        Periods    2026-10 (month)  2026Q3 (quarter)  2026 (year)  2026-01-01..2026-03-31
                   this_week last_week this_month last_month next_month this_quarter last_quarter
                   this_year last_year next_year
        Durations  7d  2w  3mo  1y      date - date is a duration; date + 30d is a date
        Use        closed in 2026Q3    created in last_month    age(created) > 30d    days(closed - created)

        """
    }

    func functions() -> String {
        """
        count() count(x) sum(x) avg(x) min(x) max(x)    aggregates, in agg
        month(d) quarter(d) week(d)    the period containing a date (group month(closed))
        year(d)                        the year as a number (of a date, or of a period: year(this_year))
        start(p) end(p)                the first and last day of a period: start(last_month)
        age(d)                         time since a date, as a duration: age(created) > 30d
        days(duration)                 a duration in days
        lower(t) upper(t) length(t) contains(t, part) coalesce(a, b, …) round(x)

        """
    }
}

extension String {
    func padded(_ n: Int) -> String { DisplayWidth.pad(self, to: n, right: false) }
    var firstSentence: String {
        if let i = firstIndex(of: ".") { return String(self[...i]) }
        return self
    }
}
