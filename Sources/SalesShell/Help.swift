import SalesCore
import SalesLanguage

/// `help`, `help STATEMENT`, `help ENTITY`, `help dates` …, built from the schema where it can be,
/// in the session's language. The Chinese of the schema's and the warnings' own texts is in
/// `HelpText`; a test fails on a page of Chinese help with English prose left in it.
struct Help {
    let schema: Schema
    /// The store's saved checks and reports, listed with the built-in ones.
    var model: Model? = nil
    /// The language the help is written in.
    var language: UILanguage = .en

    /// A statement's help: what is typed (usage, example) and what it does, in each language.
    struct Statement: Sendable {
        let name: String
        let usage: String
        let text: String
        let example: String
        /// The text in Traditional Chinese.
        let zh: String
        /// The example with Chinese data, where it has words of its own.
        let zhExample: String

        init(_ name: String, _ usage: String, _ text: String, _ example: String, zh: String, zhExample: String? = nil) {
            self.name = name; self.usage = usage; self.text = text; self.example = example
            self.zh = zh; self.zhExample = zhExample ?? example
        }
    }

    static let statements: [Statement] = [
        Statement("add", "add ENTITY [ID] field=value …", "Create a record. Staff, teams and products take an id you choose; other records are numbered (O1024).",
                  "add lead company=\"台灣大哥大\" source=行業展會 owner=wang.wei",
                  zh: "建立一筆記錄。員工、團隊與產品的編號由你自訂；其他記錄自動編號（如 O1024）。"),
        Statement("set", "set ID field=value …", "Change fields of a record. Lifecycle fields change through move, win, lose and reopen.",
                  "set O1024 amount=1.35m expected_close=2026-12-15",
                  zh: "修改一筆記錄的欄位。生命週期欄位只能經由 move、win、lose 與 reopen 變更。"),
        Statement("delete", "delete ID …", "Delete records that nothing refers to.", "delete L12",
                  zh: "刪除沒有被其他記錄引用的記錄。"),
        Statement("move", "move ID to STATE [field=value …]", "Move a record one step along its lifecycle (forward only).",
                  "move O1024 to negotiation",
                  zh: "讓記錄沿生命週期前進一步（只能向前）。狀態可用英文或中文：move O1024 to 商務談判。"),
        Statement("win", "win ID", "Mark an opportunity in negotiation as won (probability 100 %, closed today).", "win O1024",
                  zh: "把商務談判中的商機標為成交（贏率 100 %，結案日期為今天）。"),
        Statement("lose", "lose ID reason=\"…\"", "Mark an opportunity as lost; a reason is required.", "lose O1025 reason=\"price\"",
                  zh: "把商機標為丟單；必須填寫丟單原因。", zhExample: "lose O1025 reason=\"價格太高\""),
        Statement("reopen", "reopen ID [to STATE]", "Take a record back to an earlier open state; a won or lost opportunity returns to the stage it left.",
                  "reopen O1025",
                  zh: "把記錄退回先前的未結狀態；已成交或丟單的商機回到它離開時的階段。"),
        Statement("convert", "convert LEAD [field=value …]", "Turn a qualified lead into a customer (or link customer=C…) and a new opportunity.",
                  "convert L7 title=\"5G 專網\" amount=1.2m",
                  zh: "把有價值的客戶線索轉化為客戶（或以 customer=C… 連結現有客戶）與一筆新商機。"),
        Statement("show", "show ID", "One record with its related records and its history.", "show O1024",
                  zh: "顯示一筆記錄，連同相關記錄與它的變更記錄。"),
        Statement("reject", "reject ID reason=\"…\"", "Reject a claim (or a proposal) with a reason.", "reject E12 reason=\"no receipt\"",
                  zh: "駁回費用報銷單（或方案），並寫明原因。", zhExample: "reject E12 reason=\"沒有附發票\""),
        Statement("open", "open appraisals PERIOD", "Open the month's or year's appraisals for every manager, rep and presales engineer.", "open appraisals 2026-10",
                  zh: "為每位銷售經理、銷售代表與售前工程師開立該月或該年度的績效考核。"),
        Statement("approve", "approve ID", "Approve as the acting user, when a rule needs it (a discount over the limit needs the owner's manager).", "approve N12",
                  zh: "在規則要求核准時，以目前的身分審批（折扣超過上限須由負責人的經理核准）。"),
        Statement("let", "let NAME = EXPR | let NAME = (QUERY)", "Bind a value, or a query's rows, to $NAME for later statements; rows are used as $NAME | where ….",
                  "let stale = (expenses | where status = submitted and age(date) > 7d)",
                  zh: "把一個值或一個查詢的結果列存入 $NAME，供後續指令使用；結果列的用法如 $NAME | where …。"),
        Statement("param", "param NAME = DEFAULT", "Declare a script parameter: salesh run FILE NAME=VALUE overrides the default, read as the default's type.",
                  "param month = last_month",
                  zh: "宣告腳本參數：salesh run FILE NAME=VALUE 會取代預設值，並按預設值的類型解讀。"),
        Statement("check", "check CONDITION [else \"MESSAGE\"] | check none (QUERY) [else \"…\"] | check NAME",
                  "Check a condition, or that a query finds nothing (its rows are shown when it does), or run a saved check or built-in warning. A script exits 1 when a check failed; {count} in the message is the number of rows.",
                  "check none (expenses | where status = submitted and age(date) > 7d) else \"{count} claims waiting over a week\"",
                  zh: "檢查條件是否成立，或檢查查詢沒有結果（有結果時列出這些列），或執行已儲存的檢查或內建預警。有檢查未通過時腳本以 1 結束；訊息中的 {count} 是結果的列數。",
                  zhExample: "check none (expenses | where status = submitted and age(date) > 7d) else \"{count} 張報銷單等待審批超過一週\""),
        Statement("if", "if CONDITION { … } [else if CONDITION { … }] [else { … }]", "Run statements when a condition holds.",
                  "if (visits | where overdue | count) > 0 { print \"follow up today\" }",
                  zh: "條件成立時執行其中的指令。", zhExample: "if (visits | where overdue | count) > 0 { print \"今天要跟進逾期的拜訪\" }"),
        Statement("for", "for NAME in (QUERY) { … }", "Run statements for each row; $NAME is the row's id (first column), $NAME.FIELD each column.",
                  "for r in (opportunities | where stage = negotiation) { print \"{$r.id} {$r.title}\" }",
                  zh: "對每一列執行其中的指令；$NAME 是該列的編號（第一欄），$NAME.FIELD 是各欄的值。"),
        Statement("print", "print \"TEXT {EXPR}\" | echo …", "Print text; {EXPR} in the text is replaced by its value.", "print \"{(opportunities | count)} opportunities over {$limit}\"",
                  zh: "輸出文字；文字中的 {EXPR} 會換成它的值。", zhExample: "print \"超過 {$limit} 的商機共 {(opportunities | count)} 筆\""),
        Statement("source", "source \"FILE.sales\"", "Run another script file here, with the same variables.", "source \"common.sales\"",
                  zh: "在這裡執行另一個腳本檔案，共用同樣的變數。"),
        Statement("define", "define check NAME … | define report NAME(PARAM [= DEFAULT], …) QUERY",
                  "Save a check or a report in the store, run by name (check NAME, report NAME ARGS) by anyone; redefine to change it, undefine to remove it.",
                  "define report my_pipeline(period = this_quarter) opportunities | where expected_close in $period | group stage | agg sum(amount)",
                  zh: "把檢查或報表儲存在資料庫中，任何人都能以名稱執行（check NAME、report NAME ARGS）；再次 define 即可修改，undefine 即可刪除。"),
        Statement("undefine", "undefine NAME", "Remove a saved check or report (its author or an admin).", "undefine my_pipeline",
                  zh: "刪除已儲存的檢查或報表（限建立者或管理員）。"),
        Statement("diff", "diff ENTITY since DATE [| stage …]", "What was created, changed (field, old → new) and deleted since a day, from the history; who changed it last and when.",
                  "diff opportunities since 2026-10-01 | where field = stage",
                  zh: "依變更記錄列出某日以來新增、修改（欄位、原值 → 新值）與刪除的記錄，以及最後由誰在何時修改。"),
        Statement("as", "ENTITY as of DATE | …", "Any query over the records as they stood at the end of a day (or a period, or a moment), from the history.",
                  "opportunities as of 2026-06-30 | group stage | agg sum(amount)",
                  zh: "依變更記錄，查詢記錄在某日結束時（或某期間結束時、某一時刻）的內容；任何查詢都可以這樣用。"),
        Statement("watch", "watch SECONDS STATEMENT", "In the shell: rerun a statement every N seconds until Ctrl-C.", "watch 10 report pipeline",
                  zh: "在互動模式中每 N 秒重新執行一個指令，直到按下 Ctrl-C。"),
        Statement("last", "last [| stage …]", "The previous result again, e.g. in another format.", "last | to csv \"result.csv\"",
                  zh: "再次使用上一個結果，例如換一種格式輸出。", zhExample: "last | to csv \"結果.csv\""),
        Statement("timer", "timer on|off", "Print each statement's time on standard error.", "timer on",
                  zh: "在標準錯誤輸出顯示每個指令的耗時。"),
        Statement("maxrows", "maxrows N|off", "Show at most N rows of a table, and say how many more there are.", "maxrows 50",
                  zh: "表格最多顯示 N 列，並註明還有多少列未顯示。"),
        Statement("warnings", "warnings [NAME]", "The early warnings of chapter 6.3, each with the records that trip it.", "warnings stale_opportunities",
                  zh: "制度第 6.3 章的風險預警，每項附上觸發它的記錄。"),
        Statement("import", "import ENTITY from \"FILE.csv\" [--dry-run] [--skip-bad] [--rejects \"FILE\"] [map COLUMN=FIELD …]",
                  "Load records from CSV, all or nothing; every bad row named with file:line:column.", "import training from \"q4.csv\" --dry-run",
                  zh: "從 CSV 檔案匯入記錄，要麼全部匯入，要麼全部不匯入；每一列錯誤都以「檔案:行:欄」指出。", zhExample: "import training from \"第四季培訓.csv\" --dry-run"),
        Statement("export", "export QUERY to \"FILE\"", "Write a query's result to a file; the format follows the extension (csv, tsv, json, md).",
                  "export trainings to \"trainings.csv\"",
                  zh: "把查詢結果寫入檔案；格式依副檔名而定（csv、tsv、json、md）。", zhExample: "export trainings to \"培訓記錄.csv\""),
        Statement("format", "format [table|csv|tsv|json|markdown]", "Show or set the output format.", "format csv",
                  zh: "顯示或設定輸出格式。"),
        Statement("save", "save", "Rewrite the snapshot now (it is also rewritten on exit and when the journal grows).", "save",
                  zh: "立即重寫快照（離開時以及日誌變大時也會自動重寫）。"),
        Statement("clear", "clear", "Clear the screen.", "clear",
                  zh: "清除螢幕。"),
        Statement("quit", "quit", "Leave the shell (Ctrl-D does the same). Changes are already on disk.", "quit",
                  zh: "離開 salesh（按 Ctrl-D 亦同）。所有變更早已寫入磁碟。"),
        Statement("help", "help [TOPIC]", "This help. Topics: statements, entities, queries, expressions, dates, functions.", "help opportunity",
                  zh: "本說明。主題：statements、entities、queries、expressions、dates、functions，也可用中文：help 查詢、help 日期。",
                  zhExample: "help 商機"),
    ]

    /// The topics of their own, in the order `help search` lists them.
    static let topics = ["queries", "expressions", "dates", "functions", "reports", "warnings", "scripting", "errors"]

    var zh: Bool { language == .zhHant }

    /// The English or the Chinese, as the help speaks.
    func tr(_ en: String, _ zh: String) -> String { self.zh ? zh : en }

    func text(for words: [String]) -> String {
        guard let word = words.first else { return overview() }
        let topic = HelpText.topics.first { $0.zh == word }?.topic ?? HelpText.topicAliases[word] ?? word.lowercased()
        if topic == "warnings" || topic == "warning" { return warnings() }
        if topic == "checks" || topic == "scripts" || topic == "scripting" { return scripting() }
        if topic == "errors" || topic == "exit" { return errors() }
        if topic == "search" || topic == "find" {
            guard words.count > 1 else {
                return tr("help search WORD lists every help topic that mentions WORD\n", "help search 詞語：列出提到這個詞語的所有說明主題（中英文皆可）\n")
            }
            return search(words.dropFirst().joined(separator: " "))
        }
        if let s = Help.statements.first(where: { $0.name == topic }) {
            return zh ? "\(s.usage)\n  \(s.zh)\n  範例：\(s.zhExample)\n" : "\(s.usage)\n  \(s.text)\n  example: \(s.example)\n"
        }
        if let e = schema.entity(named: topic) { return entity(e) }
        switch topic {
        case "statements": return Help.statements.map { "  \($0.usage.padded(40)) \(summary($0))" }.joined(separator: "\n") + "\n"
        case "entities": return entities()
        case "queries", "query", "where", "sort", "take", "select", "group", "agg", "count": return queries()
        case "report", "reports", "chart": return reports()
        case "warnings", "warning": return warnings()
        case "expressions", "operators": return expressions()
        case "dates", "periods", "durations": return dates()
        case "functions": return functions()
        default:
            let all = Help.statements.map(\.name) + schema.entityNames + ["statements", "entities", "queries", "reports", "warnings", "expressions", "dates", "functions", "scripting", "checks", "errors", "search"]
            let near = Suggest.nearest(topic, in: zh ? all + HelpText.topics.map(\.zh) + schema.entities.map(\.zh) : all)
            return zh ? "沒有關於「\(word)」的說明" + (near.map { "；是不是要找「\($0)」？" } ?? "。") + "\n"
                : "no help on '\(topic)'" + (near.map { "; did you mean '\($0)'?" } ?? "") + "\n"
        }
    }

    /// A statement's first sentence, in the language.
    func summary(_ s: Statement) -> String { zh ? s.zh.firstChineseSentence : s.text.firstSentence }

    func overview() -> String {
        if zh {
            return """
            salesh：銷售部門的記錄、查詢與規則。

            指令（help 指令名稱 查看詳情）：
            \(Help.statements.map { "  \($0.usage.padded(38)) \(summary($0))" }.joined(separator: "\n"))

            報表（help reports）：report pipeline · funnel · forecast · winrate · leads · followups · kpi · budget · spend · risks
            預警（help warnings）：warnings [NAME]
            腳本與檢查（help scripting）：param · check · if · for · print · source · define\(saved())

            查詢：先寫一個實體，再接上以 | 串接的步驟
              opportunities | where stage = negotiation | sort amount desc | take 5
              opportunities | where closed in 2026 and stage = won | group month(closed) | agg count(), sum(amount) as revenue
              history | where record = O12

            實體（英文或中文名稱皆可）：\(schema.entities.map { "\($0.plural) \($0.zh)" }.joined(separator: "、"))
            更多：help 實體名稱 · help queries · help expressions · help dates · help functions · help search 詞語

            """
        }
        return """
        salesh: the sales department's records, queries and rules.

        Statements (help STATEMENT for more):
        \(Help.statements.map { "  \($0.usage.padded(38)) \(summary($0))" }.joined(separator: "\n"))

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
        let ids = schema.entities.map { $0.prefix.map { "\($0)…" } ?? tr("key", "自訂") }
        let nameWidth = max(12, schema.entities.map { DisplayWidth.of($0.name) }.max() ?? 0)
        let zhWidth = max(10, schema.entities.map { DisplayWidth.of($0.zh) }.max() ?? 0)
        let idWidth = max(5, ids.map { DisplayWidth.of($0) }.max() ?? 0)
        return zip(schema.entities, ids).map { e, id in
            "  \(e.name.padded(nameWidth)) \(e.zh.padded(zhWidth)) \(id.padded(idWidth)) \(HelpText.text(e.doc, language))"
        }.joined(separator: "\n") + "\n"
    }

    func entity(_ e: EntitySchema) -> String {
        // A key of the entity's own kind: the one `add` takes, or the name `define` gives.
        let key = ["staff": "wang.wei", "team": "north", "competitor": "HUAWEI", "course": "5G-BASICS", "setting": "discount_limit"][e.name] ?? "FIBER-1G"
        let added = e.name == "definition" ? "define check no_big_deals …" : "add \(e.name) \(key) …"
        var out: String
        if zh {
            out = "\(e.name)（\(e.zh)），複數 \(e.plural)\(e.chapter == "-" ? "" : "，銷售管理制度第 \(e.chapter.replacingAll(", ", with: "、")) 章")\n  \(HelpText.text(e.doc, language))\n"
            out += "  編號：" + (e.prefix.map { "\($0) 加數字，如 \($0)12（自動編配）" } ?? "\(e.name == "definition" ? "定義" : "新增")時自訂，如 \(added)") + "\n\n欄位：\n"
        } else {
            out = "\(e.name) (\(e.zh)), plural \(e.plural)\(e.chapter == "-" ? "" : ", regulations chapter \(e.chapter)")\n  \(e.doc)\n"
            out += "  ids: " + (e.prefix.map { "\($0) + number, e.g. \($0)12 (given automatically)" } ?? "chosen when \(e.name == "definition" ? "defined" : "added"), e.g. \(added)") + "\n\nfields:\n"
        }
        let types = e.fields.map { zh ? HelpText.typeName($0.type) : $0.type.description }
        let nameWidth = e.fields.map { DisplayWidth.of($0.name) }.max() ?? 0
        let zhWidth = e.fields.map { DisplayWidth.of($0.zh ?? "") }.max() ?? 0
        let typeWidth = types.map { DisplayWidth.of($0) }.max() ?? 0
        for (f, type) in zip(e.fields, types) {
            var notes: [String] = []
            if f.required { notes.append(tr("required", "必填")) }
            switch f.access {
            case .state: notes.append(tr("changes through move", "經由 move 變更"))
            case .system: notes.append(tr("kept by the rules", "由規則維護"))
            case .derived: notes.append(tr("computed", "自動計算"))
            case .user: break
            }
            if let r = f.range { notes.append("\(r.lowerBound)…\(r.upperBound == Int64.max / 100 ? "" : String(r.upperBound))") }
            switch f.defaultValue {
            case .today?: notes.append(tr("default today", "預設為今天"))
            case .value(let v)?:
                if zh, case .text(let name) = v, let c = f.type.enumType?.cases.first(where: { $0.name == name }), let term = c.zh {
                    notes.append("預設為 \(name)（\(term)）")
                } else if zh, case .bool(let b) = v {
                    notes.append("預設為\(b ? "是" : "否")")
                } else {
                    notes.append(tr("default \(v.display)", "預設為 \(v.display)"))
                }
            case nil: break
            }
            if !f.doc.isEmpty { notes.append(HelpText.text(f.doc, language)) }
            out += "  \(f.name.padded(nameWidth)) \((f.zh ?? "").padded(zhWidth)) \(type.padded(typeWidth)) \(notes.joined(separator: tr("; ", "；")))"
                .trimmingTrailingSpaces() + "\n"
            if let en = f.type.enumType, f.access != .state {
                out += tr("      values: ", "      可選值：") + en.cases.map { c in c.zh.map { "\(c.name) \($0)" } ?? c.name }.joined(separator: " · ") + "\n"
            }
        }
        if let sm = e.stateMachine, let en = e.field(sm.field)?.type.enumType {
            let initial = en.cases.first { $0.name == sm.initial }?.zh.map { "\(sm.initial)（\($0)）" } ?? "\(sm.initial) "
            out += tr("\nlifecycle (\(sm.field)), starting at \(sm.initial):\n", "\n生命週期（\(sm.field)），從 \(initial)開始：\n")
            let stateWidth = max(12, en.cases.map { DisplayWidth.of($0.name) }.max() ?? 0)
            let termWidth = max(8, en.cases.map { DisplayWidth.of($0.zh ?? "") }.max() ?? 0)
            for c in en.cases {
                let to = sm.transitions[c.name] ?? []
                let via = to.compactMap { s in sm.verbOnly[s].map { tr("\(s) through \($0)", "須以 \($0) 進入 \(s)") } }
                let next = to.isEmpty ? tr("(final)", "（終止狀態）") : to.joined(separator: tr(", ", "、"))
                let note = via.isEmpty ? "" : tr("  [\(via.joined(separator: ", "))]", "（\(via.joined(separator: "；"))）")
                out += "  \(c.name.padded(stateWidth)) \((c.zh ?? "").padded(termWidth)) → \(next)\(note)\n"
            }
            // In lifecycle order, so the page reads the same every time.
            for c in en.cases {
                guard let fields = sm.requiredOnEnter[c.name] else { continue }
                out += tr("  \(c.name) needs \(fields.joined(separator: ", "))\n", "  進入 \(c.name) 須填 \(fields.joined(separator: "、"))\n")
            }
        }
        if let p = Permissions.table[e.name] {
            if zh {
                out += "\n誰可以修改：\(p.roles.sorted().map(role).joined(separator: "、"))"
                if !p.owners.isEmpty {
                    let any = p.anyRecord.isEmpty ? "" : "（\(p.anyRecord.sorted().joined(separator: "、")) 不限）"
                    out += "；只限自己（\(p.owners.joined(separator: " 或 "))）或下屬的記錄\(any)，admin 不限"
                }
                out += "；analyst 分析師只能讀取\n"
            } else {
                out += "\nwho may change them: \(p.roles.sorted().joined(separator: ", "))"
                if !p.owners.isEmpty {
                    let any = p.anyRecord.isEmpty ? "" : " (\(p.anyRecord.sorted().joined(separator: ", ")) any)"
                    out += "; only their own (\(p.owners.joined(separator: " or "))) or their reports' records\(any), admins any"
                }
                out += "; analysts read only\n"
            }
        } else if e.system {
            out += tr("\nkept by the shell: readable by all, changed by none\n", "\n由 salesh 自行維護：人人可讀，任何人都不能修改\n")
        }
        if !e.system {
            let ex = e.prefix != nil ? "\(e.prefix!)1" : "ID"
            out += tr("\nexamples:\n", "\n範例：\n") + "  \(e.plural) | take 10\n  show \(ex)\n"
        }
        return out
    }

    /// A role with its term from the regulations: `manager 銷售經理`.
    func role(_ name: String) -> String {
        Enums.role.cases.first { $0.name == name }?.zh.map { "\(name) \($0)" } ?? name
    }

    func queries() -> String {
        if zh {
            return """
            ENTITY | 步驟 | 步驟 …
              where COND                 保留 COND 成立的列
              sort EXPR [desc], …        排序（列舉值依生命週期的順序）
              take N                     前 N 列
              select EXPR [as NAME], …   選擇欄；路徑可沿引用前進：owner.team.region
              group EXPR [as NAME], …    每個不同的鍵一列；後面接 agg（預設為 count）
              agg count(), sum(x) [as NAME], …   彙總：count sum avg min max
              count                      列數
              to csv|tsv|json|markdown "FILE"   把結果寫入檔案
            每個實體都可用單數、複數或中文名稱（opportunity、opportunities、商機）。
            範例：
              opportunities | where stage in (proposal, negotiation) and amount > 100k | sort amount desc | take 10
              opportunities | group owner | agg count() as deals, sum(amount * probability) as weighted
              customers | where region = north | select name, owner.name, owner.team
              商機 | where 階段 = 商務談判 | sort 金額 desc

            """
        }
        return """
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
        if zh {
            return """
            report pipeline [PERIOD]     未結商機按階段統計：數量、金額、加權金額（金額 × 贏率）；
                                         指定期間時，只計預計在該期間成交的商機
            report funnel [PERIOD]       期間內建立的商機：依階段歷史統計到達各階段的數量、
                                         占全部建立商機的比例，以及相對上一階段的轉化率
            report forecast [PERIOD]     未結商機的加權金額，按預計成交月份
            report winrate [PERIOD] [by=owner|team|source]   成交、丟單、贏單率、成交金額、平均銷售週期（天）
            report leads [PERIOD]        客戶線索按來源：有價值、已轉化、轉化率
            report followups             到期應回訪的客戶（戰略客戶每 90 天、重點客戶每 180 天；
                                         可用設定 followup_days_TIER 調整）
            report kpi PERIOD [team=ID|staff=ID]   每位銷售人員的 KPI 與合計（查詢中也可用 kpi_revenue(P) …）
            report budget YEAR [team=ID] 費用預算：已核准、待審、剩餘、使用率，以及按直線推算的全年支出
            report spend YEAR [team=ID]  已核准的費用按月份統計（… | chart bar）
            report risks                 未結風險的 5 × 5 矩陣
            report risk_list             未結風險按等級排列，最嚴重的在前
            報表也是查詢：report pipeline | where count > 10 | sort weighted desc，加上 --format csv 即可匯出。
            … | chart bar                長條圖：以第一個標籤分類，畫出最後一個數值
            … | chart funnel             置中的長條，用於 report funnel
            範例：
              report funnel 2026 | chart funnel
              report winrate this_year by=team
              opportunities | where stage = won | group owner.team | agg sum(amount) as revenue | chart bar

            """
        }
        return """
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
        if !checks.isEmpty { out += tr("\nSaved checks: ", "\n已儲存的檢查：") + checks.joined(separator: " · ") }
        if !reports.isEmpty { out += tr("\nSaved reports: ", "\n已儲存的報表：") + reports.joined(separator: " · ") }
        return out
    }

    func scripting() -> String {
        var out = zh ? """
        腳本就是寫在檔案裡的指令：salesh run FILE [NAME=VALUE …]、salesh FILE，或以 #!/usr/bin/env salesh 開頭。
          param month = last_month                        參數（salesh run monthly.sales month=2026-10）
          let late = (invoices | where overdue)           結果列，可用作 $late | count、for r in $late { … }
          check (expenses | where status = submitted | count) = 0 else "還有報銷單待審批"
          check none (visits | where overdue) else "{count} 次拜訪已逾期"     未通過時列出這些列
          check overdue_invoices                          已儲存的檢查，或以名稱執行內建預警
          if … { … } else { … }    for r in (QUERY) { … $r.amount … }    print "{$month}：{count}"
          … | to markdown "kpi-{$month}.md"              以變數命名的檔案
        結束狀態：0 一切正常，1 有檢查未通過，2 腳本有錯誤，3 無法開啟資料庫。
        選項：--quiet（只顯示未通過的檢查）、--json（所有檢查輸出為一份 JSON 文件）、--output FILE、--format。
        環境變數寫作 $env.NAME。腳本不能執行其他程式，只能讀寫它指名的檔案。

        檢查（check NAME）：

        """ : """
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
            for d in Definitions.all("check", in: model) {
                let by = d.author.isEmpty ? "" : tr(" by \(d.author)", "，建立者 \(d.author)")
                out += "  \(d.name)\(tr("  (saved\(by))", "（已儲存\(by)）"))\n    \(d.text)\n"
            }
        }
        out += Warnings.all.map { "  \($0.name)\(tr("  (built in)", "（內建）"))\n    \(HelpText.text($0.why, language))\n" }.joined()
        if let model, !Definitions.all("report", in: model).isEmpty {
            out += tr("\nSaved reports (report NAME ARGS):\n", "\n已儲存的報表（report NAME ARGS）：\n")
            for d in Definitions.all("report", in: model) {
                out += "  \(d.name)\(d.author.isEmpty ? "" : tr("  (by \(d.author))", "  （建立者 \(d.author)）"))\n    \(d.text)\n"
            }
        }
        return out + "\n"
    }

    func errors() -> String {
        if zh {
            return """
            每個錯誤都會說明在哪裡、出了什麼錯，而且不會改動任何資料：

              錯誤: 商機沒有欄位「amout」
               --> monthly.sales:3:23
                |
              3 | opportunities | where amout > 100k
                |                       ^^^^^
                = 提示: 是不是要找「amount」？

            `-->` 這一行指出腳本（或 -c、<input>、<stdin>）、行號與欄號；^ 標出有問題的字；
            提示給出修正建議，通常是最接近的名稱。規則拒絕一項變更時，會指出是哪條規則，
            以及誰可以代為修改。一個指令要麼完整生效，要麼完全不生效。

            salesh 的結束狀態：0 成功 · 1 有檢查未通過 · 2 輸入有錯誤（語法、名稱、類型、規則、
            檔案有誤、用法錯誤）· 3 無法開啟資料庫（不是資料庫、已損壞、被另一個 salesh 鎖定）。
            腳本遇到第一個錯誤就會停止，除非加上 --keep-going。
            匯入錯誤會指出 CSV 的「檔案:行:欄」、該列內容、錯在哪裡以及修正建議。

            """
        }
        return """
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
    /// The English is always searched; the Chinese too when the help speaks it or the word is not
    /// plain ASCII, so `help search 商機` finds the statements whose Chinese text names it.
    func search(_ word: String) -> String {
        let w = word.lowercased()
        let chinese = zh || word.contains { !$0.isASCII }
        func mentions(_ parts: String...) -> Bool { parts.joined(separator: " ").lowercased().contains(w) }
        func doc(_ en: String) -> String { chinese ? en + " " + (HelpText.zh(en) ?? "") : en }
        var hits: [String] = []
        for st in Help.statements where mentions(st.usage, st.text, st.example) || chinese && mentions(st.zh, st.zhExample) {
            hits.append("  help \(st.name.padded(14)) \(st.usage)")
        }
        for e in schema.entities {
            let fields = e.fields.filter { mentions($0.name, $0.zh ?? "", doc($0.doc)) }.map(\.name)
            if mentions(e.name, e.plural, e.zh, doc(e.doc)) || !fields.isEmpty {
                let list = fields.isEmpty ? "" : tr(" — fields: \(fields.joined(separator: ", "))", " — 欄位：\(fields.joined(separator: "、"))")
                hits.append("  help \(e.name.padded(14)) \(e.zh)\(list)")
            }
        }
        let english = Help(schema: schema, model: model, language: .en), chineseHelp = Help(schema: schema, model: model, language: .zhHant)
        for topic in Help.topics
        where english.text(for: [topic]).lowercased().contains(w) || chinese && chineseHelp.text(for: [topic]).lowercased().contains(w) {
            hits.append(zh ? "  help \(topic.padded(14)) \(HelpText.topics.first { $0.topic == topic }?.zh ?? "")" : "  help \(topic)")
        }
        if zh { return hits.isEmpty ? "說明中沒有提到「\(word)」的地方\n" : "「\(word)」出現在：\n" + hits.joined(separator: "\n") + "\n" }
        return hits.isEmpty ? "nothing in the help mentions '\(word)'\n" : "'\(word)' is mentioned in:\n" + hits.joined(separator: "\n") + "\n"
    }

    func warnings() -> String {
        tr("warnings [NAME] runs the early warnings; each is a query:\n\n", "warnings [NAME] 執行風險預警；每項預警都是一個查詢：\n\n")
            + Warnings.all.map { "  \($0.name)\n    \(HelpText.text($0.why, language))\n    \($0.query)\n" }.joined(separator: "\n")
    }

    func expressions() -> String {
        if zh {
            return """
            比較         = != < <= > >=   x in (a, b)   x not in (…)   date in PERIOD   x is empty   x is not empty
            邏輯         and or not        算術  + - * /   （金額保持精確；金額 × 百分比仍是金額）
            文字         "雙引號" 或 '單引號'，任何地方都可寫中文；contains(title, "5G") 或 title contains "5G"
            數字         12  1.2m  500k  12,000.50  30%      變數  $name（let）、$env.HOME
            列舉值       英文或中文皆可：source = exhibition 就是 source = 行業展會
            括號中的查詢就是一個值：let n = (opportunities | where stage = won | count)

            """
        }
        return """
        Comparisons  = != < <= > >=   x in (a, b)   x not in (…)   date in PERIOD   x is empty   x is not empty
        Logic        and or not        Arithmetic  + - * /   (money stays exact; money × percent is money)
        Text         "double" or 'single' quotes, Chinese anywhere; contains(title, "5G") or title contains "5G"
        Numbers      12  1.2m  500k  12,000.50  30%      Variables  $name (let), $env.HOME
        Enum values  in English or Chinese: source = exhibition is source = 行業展會
        A query in parentheses is a value: let n = (opportunities | where stage = won | count)

        """
    }

    func dates() -> String {
        if zh {
            return """
            日期       2026-10-01  2026/10/1   today yesterday tomorrow
            期間       2026-10（月）  2026Q3（季）  2026（年）  2026-01-01..2026-03-31
                       this_week last_week this_month last_month next_month this_quarter last_quarter
                       this_year last_year next_year
            時間長度   7d  2w  3mo  1y      日期 - 日期 是時間長度；日期 + 30d 是日期
            用法       closed in 2026Q3    created in last_month    age(created) > 30d    days(closed - created)

            """
        }
        return """
        Dates      2026-10-01  2026/10/1   today yesterday tomorrow
        Periods    2026-10 (month)  2026Q3 (quarter)  2026 (year)  2026-01-01..2026-03-31
                   this_week last_week this_month last_month next_month this_quarter last_quarter
                   this_year last_year next_year
        Durations  7d  2w  3mo  1y      date - date is a duration; date + 30d is a date
        Use        closed in 2026Q3    created in last_month    age(created) > 30d    days(closed - created)

        """
    }

    func functions() -> String {
        if zh {
            return """
            count() count(x) sum(x) avg(x) min(x) max(x)    彙總函式，用於 agg
            month(d) quarter(d) week(d)    日期所在的期間（group month(closed)）
            year(d)                        年份數字（日期或期間皆可：year(this_year)）
            start(p) end(p)                期間的第一天與最後一天：start(last_month)
            age(d)                         距某日期經過的時間長度：age(created) > 30d
            days(duration)                 時間長度的天數
            lower(t) upper(t) length(t) contains(t, part) coalesce(a, b, …) round(x)
                                           文字轉小寫、轉大寫、長度、是否包含；第一個非空值；四捨五入

            """
        }
        return """
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

    /// Up to the first full stop that ends a sentence: one followed by the end or by a space and a
    /// capital, so "e.g. in", "chapter 6.3" and "$NAME.FIELD" do not cut a sentence short.
    var firstSentence: String {
        var i = startIndex
        while let dot = self[i...].firstIndex(of: ".") {
            let next = index(after: dot)
            if next == endIndex { return self }
            if self[next] == " ", let after = self[next...].dropFirst().first, after.isUppercase { return String(self[...dot]) }
            i = next
        }
        return self
    }

    /// Up to the first Chinese full stop.
    var firstChineseSentence: String {
        if let i = firstIndex(of: "。") { return String(self[...i]) }
        return self
    }
}
