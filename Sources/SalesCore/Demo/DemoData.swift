/// A realistic, deterministic data set: the same seed and `today` give the same records.
/// `opportunities` sets the scale; customers, leads and staff grow with it.
public struct DemoData {
    public var opportunities: Int
    public var today: Day
    public var seed: UInt64 = 20261126

    public init(opportunities: Int = 600, today: Day) { self.opportunities = opportunities; self.today = today }

    /// Record-by-record stage history is kept up to this many opportunities; above it only the records.
    public static let historyLimit = 200_000

    struct RNG {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
        mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
    }

    static let surnames: [(String, String)] = [("王", "wang"), ("李", "li"), ("張", "zhang"), ("劉", "liu"), ("陳", "chen"),
        ("楊", "yang"), ("黃", "huang"), ("趙", "zhao"), ("吳", "wu"), ("周", "zhou"), ("徐", "xu"), ("孫", "sun"),
        ("馬", "ma"), ("朱", "zhu"), ("胡", "hu"), ("林", "lin"), ("郭", "guo"), ("何", "he"), ("高", "gao"), ("羅", "luo")]
    static let given: [(String, String)] = [("偉", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("靜", "jing"),
        ("麗", "li"), ("強", "qiang"), ("磊", "lei"), ("軍", "jun"), ("洋", "yang"), ("勇", "yong"), ("艷", "yan"),
        ("傑", "jie"), ("娟", "juan"), ("濤", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("華", "hua"), ("慧", "hui")]
    static let english = ["David Lin", "Grace Chen", "Kevin Wu", "Amy Huang", "Jason Lee", "Irene Chang", "Eric Tsai", "Vivian Ho"]
    static let teams: [(id: String, name: String, region: String)] = [
        ("north", "北區業務部", "north"), ("central", "中區業務部", "central"), ("south", "南區業務部", "south"), ("enterprise", "政企大客戶部", "national")]
    static let products: [(String, String, String, Int64, Int64)] = [
        ("FIBER-1G", "企業光纖專線 1G", "connectivity", 180_000, 95_000), ("FIBER-10G", "企業光纖專線 10G", "connectivity", 850_000, 420_000),
        ("5G-PRIVATE", "5G 企業專網", "mobile", 2_400_000, 1_300_000), ("SD-WAN", "SD-WAN 組網服務", "network", 360_000, 170_000),
        ("MPLS-VPN", "MPLS VPN", "network", 280_000, 150_000), ("IDC-RACK", "IDC 機櫃託管", "cloud", 240_000, 110_000),
        ("CLOUD-PBX", "雲端總機", "cloud", 90_000, 38_000), ("IOT-PLATFORM", "物聯網平台", "iot", 650_000, 300_000),
        ("SEC-SOC", "企業資安監控 SOC", "security", 520_000, 260_000), ("M2M-SIM", "M2M 物聯網卡", "iot", 60_000, 22_000)]
    static let places = ["台北", "新北", "桃園", "新竹", "台中", "彰化", "台南", "高雄", "基隆", "宜蘭", "花蓮", "屏東", "嘉義", "苗栗"]
    static let placeRegion = ["north", "north", "north", "north", "central", "central", "south", "south", "north", "north", "east", "south", "south", "central"]
    static let industries: [(String, [String])] = [
        ("government", ["市政府", "縣政府", "地政局", "環保局"]), ("finance", ["銀行", "證券", "人壽保險", "產物保險"]),
        ("healthcare", ["醫院", "醫療中心", "診所聯盟"]), ("manufacturing", ["精密機械", "半導體", "紡織", "食品", "電子"]),
        ("education", ["大學", "科技大學", "高級中學"]), ("logistics", ["物流", "航運", "客運"]),
        ("retail", ["百貨", "連鎖超市", "便利商店"]), ("technology", ["科技", "資訊", "雲端服務"])]
    static let suffixes = ["股份有限公司", "有限公司", "", "集團"]
    static let companyWords = ["宏達", "聯發", "遠東", "長榮", "統一", "光寶", "台達", "永豐", "新光", "國泰", "富邦", "南山", "大同", "正隆", "華新", "中興", "和泰", "寶成", "東元", "聲寶"]
    static let lostReasons = ["價格過高", "競爭對手方案", "預算凍結", "需求變更", "決策延後", "price", "timing"]
    static let competitors: [(id: String, name: String, strengths: String, weaknesses: String)] = [
        ("CHT", "中華電信", "最大的固網與機房資源", "價格高、彈性低"), ("FET", "遠傳電信", "企業 ICT 整合", "南部據點較少"),
        ("TWM", "台灣大哥大", "行動網路與雲端服務", "專線交付慢"), ("APT", "亞太電信", "價格低", "網路覆蓋有限"),
        ("CR-5G", "CR-5G Networks", "5G 專網經驗", "在地支援不足")]

    /// Fills an empty model.
    public func generate(into model: Model) {
        var rng = RNG(state: seed)
        let s = model.schema
        let staffE = s.index(of: "staff")!, teamE = s.index(of: "team")!, productE = s.index(of: "product")!
        let custE = s.index(of: "customer")!, leadE = s.index(of: "lead")!, oppE = s.index(of: "opportunity")!
        let keepHistory = opportunities <= DemoData.historyLimit
        let start = today.adding(months: -36)
        func ts(_ d: Day, _ hour: Int = 10) -> Timestamp { Timestamp(millis: (Int64(d.raw) * 86400 + Int64(hour) * 3600 + Int64(rng.int(3600))) * 1000) }
        func put(_ e: Int, _ id: String, _ fields: [String: Value], user: String = "admin", at: Day? = nil) {
            let es = s.entities[e]
            var values = [Value](repeating: .null, count: es.fields.count)
            for (k, v) in fields { values[es.fieldIndex(k)!] = v }
            let r = Record(id: id, values: values)
            if keepHistory, let at {
                let tx = Transaction(user: user, time: ts(at), changes: [.create(entity: e, record: r)])
                try! model.replay(tx, seq: 0)
            } else {
                model.load(entity: e, r)
            }
        }
        var lastMove = (id: "", millis: Int64.min)
        func move(_ e: Int, _ id: String, _ changes: [(String, Value)], user: String, at: Day) {
            let t = model.tables[e]
            let slot = t.slot(of: id)!
            var cs: [Change] = []
            for (f, v) in changes {
                let fi = t.schema.fieldIndex(f)!
                cs.append(.update(entity: e, id: id, field: fi, old: t.value(slot, fi), new: v))
            }
            if keepHistory {
                // Moves of one record on one day keep their order.
                var time = ts(at, 14)
                if lastMove.id == id, time.millis <= lastMove.millis { time = Timestamp(millis: lastMove.millis + 60_000) }
                lastMove = (id, time.millis)
                try! model.replay(Transaction(user: user, time: time, changes: cs), seq: 0)
            }
            else { for c in cs { if case .update(_, _, let f, _, let v) = c { t.setValue(slot: slot, field: f, v) } } }
        }

        // Organisation: a director, a manager per team, reps and presales engineers, analysts, trainers, an admin.
        var usedKeys = Set<String>()
        var nameIndex = 0
        func person() -> (key: String, name: String) {
            defer { nameIndex += 1 }
            if nameIndex % 9 == 8 {
                let n = DemoData.english[(nameIndex / 9) % DemoData.english.count]
                var key = n.lowercased().replacingSpaces()
                var k = 2
                while usedKeys.contains(key) { key = n.lowercased().replacingSpaces() + "\(k)"; k += 1 }
                usedKeys.insert(key)
                return (key, n)
            }
            let (sn, sp) = DemoData.surnames[(nameIndex * 7 + rng.int(3)) % DemoData.surnames.count]
            let (gn, gp) = DemoData.given[rng.int(DemoData.given.count)]
            var key = "\(gp).\(sp)"
            var k = 2
            while usedKeys.contains(key) { key = "\(gp).\(sp)\(k)"; k += 1 }
            usedKeys.insert(key)
            return (key, sn + gn)
        }
        func contactName() -> String {
            DemoData.surnames[rng.int(DemoData.surnames.count)].0 + DemoData.given[rng.int(DemoData.given.count)].0
                + (rng.chance(0.5) ? rng.pick(["先生", "小姐", "經理", "主任"]) : "")
        }
        let hired = { (years: Int) in start.adding(months: -12 * years).adding(days: rng.int(300)) }
        put(staffE, "admin", ["name": .text("系統管理員"), "role": .text("admin"), "active": .bool(true), "hired": .date(hired(5))])
        put(staffE, "wang.wei", ["name": .text("王偉"), "role": .text("manager"), "active": .bool(true), "hired": .date(hired(8)),
                                  "email": .text("wang.wei@telecom.example")])
        usedKeys.formUnion(["admin", "wang.wei"])
        for (id, name, region) in DemoData.teams {
            put(teamE, id, ["name": .text(name), "region": .text(region)])
        }
        var reps: [(key: String, team: String)] = []
        var presales: [String: [String]] = [:]
        let staffPerTeam = max(4, min(60, opportunities / 150))
        for (tid, _, _) in DemoData.teams {
            let m = person()
            put(staffE, m.key, ["name": .text(m.name), "role": .text("manager"), "team": .text(tid), "manager": .text("wang.wei"),
                                "active": .bool(true), "hired": .date(hired(6))])
            move(teamE, tid, [("manager", .text(m.key))], user: "admin", at: start)
            reps.append((m.key, tid))
            for i in 0..<staffPerTeam {
                let p = person()
                let isPresales = i % 4 == 3
                put(staffE, p.key, ["name": .text(p.name), "role": .text(isPresales ? "presales" : "rep"), "team": .text(tid),
                                    "manager": .text(m.key), "active": .bool(i != 5), "hired": .date(hired(1 + rng.int(5))),
                                    "phone": .text("09\(10_000_000 + rng.int(89_999_999))")])
                if isPresales { presales[tid, default: []].append(p.key) } else if i != 5 { reps.append((p.key, tid)) }
            }
        }
        for role in ["analyst", "analyst", "trainer", "trainer"] {
            let p = person()
            put(staffE, p.key, ["name": .text(p.name), "role": .text(role), "manager": .text("wang.wei"), "active": .bool(true), "hired": .date(hired(3))])
        }
        let compE = s.index(of: "competitor")!
        for c in DemoData.competitors {
            put(compE, c.id, ["name": .text(c.name), "strengths": .text(c.strengths), "weaknesses": .text(c.weaknesses)])
        }
        for (id, name, cat, price, cost) in DemoData.products {
            put(productE, id, ["name": .text(name), "category": .text(cat), "unit_price": .money(Money(yuan: price)), "unit_cost": .money(Money(yuan: cost))])
        }

        // Customers.
        let repsByTeam = Dictionary(grouping: reps, by: \.team).mapValues { $0.map(\.key) }
        let customerCount = max(40, opportunities / 4)
        var customers: [(id: String, owner: String, region: String, created: Day)] = []
        customers.reserveCapacity(customerCount)
        for n in 1...customerCount {
            let pi = rng.int(DemoData.places.count)
            let (industry, kinds) = DemoData.industries[rng.int(DemoData.industries.count)]
            let kind = rng.pick(kinds)
            let name: String
            if industry == "government" || industry == "education" || industry == "healthcare" {
                name = DemoData.places[pi] + (industry == "government" ? "" : rng.pick(["市立", "國立", "私立", ""])) + kind + (n > DemoData.places.count * 4 ? " \(n)" : "")
            } else {
                name = DemoData.places[pi] + rng.pick(DemoData.companyWords) + kind + rng.pick(DemoData.suffixes) + (n > 2000 ? " \(n)" : "")
            }
            let region = DemoData.placeRegion[pi]
            let team = region == "east" ? "north" : (DemoData.teams.contains { $0.id == region } ? region : "enterprise")
            let pool = repsByTeam[industry == "government" ? "enterprise" : team] ?? reps.map(\.key)
            let owner = pool[rng.int(pool.count)]
            let tier = rng.chance(0.1) ? "strategic" : (rng.chance(0.3) ? "key" : "standard")
            let created = start.adding(days: rng.int(Int(today.raw - start.raw) * 2 / 3))
            let id = "C\(n)"
            put(custE, id, ["name": .text(name), "industry": .text(industry), "region": .text(region), "tier": .text(tier),
                            "credit_limit": .money(Money(yuan: Int64([500_000, 2_000_000, 10_000_000][tier == "standard" ? 0 : (tier == "key" ? 1 : 2)]))),
                            "owner": .text(owner), "contact": .text(contactName()), "created": .date(created)],
                user: owner, at: created)
            customers.append((id, owner, region, created))
        }

        // Leads: created, screened, and qualified or rejected; `path` gives the states after new.
        let sources = Enums.leadSource.names
        var leadNo = 0
        func makeLead(created: Day, owner: String, company: String, source: String, region: String, path: [String]) -> (id: String, day: Day) {
            leadNo += 1
            let id = "L\(leadNo)"
            put(leadE, id, ["company": .text(company), "contact": .text(contactName()), "phone": .text("02-\(2000_0000 + rng.int(7999_9999))"),
                            "source": .text(source), "owner": .text(owner), "score": .int(Int64(20 + rng.int(80))),
                            "status": .text("new"), "region": .text(region), "created": .date(created)],
                user: owner, at: created)
            var day = created
            for st in path {
                day = min(today, day.adding(days: 1 + rng.int(10)))
                move(leadE, id, [("status", .text(st))], user: owner, at: day)
            }
            return (id, day)
        }

        // What each opportunity left behind on its way: visits, proposals, negotiation rounds,
        // and for won deals a contract with its lines, an order, an invoice, and sometimes after-sales records.
        let processE = ["visit", "proposal", "negotiation", "contract", "contract_line", "order", "invoice", "feedback", "ticket", "complaint", "survey"]
            .reduce(into: [String: Int]()) { $0[$1] = s.index(of: $1)! }
        var numbers: [String: Int] = [:]
        func nextID(_ entity: String) -> String {
            numbers[entity, default: 0] += 1
            return s.entities[processE[entity]!].prefix! + String(numbers[entity]!)
        }
        func processRecords(opportunity o: String, customer c: String, owner: String, team: String, product: String, amount: Money,
                            created: Day, reachedOn: [String: Day], presalesID: String?) {
            let author = presalesID ?? (presales[team] ?? presales["enterprise"] ?? []).first
            // A first visit soon after the opportunity opened, a negotiation visit later, a planned one ahead for open deals.
            let v1 = nextID("visit")
            put(processE["visit"]!, v1, ["customer": .text(c), "opportunity": .text(o), "staff": .text(owner), "kind": .text("prospect"),
                                         "planned": .date(created.adding(days: 3)), "status": .text("planned"), "purpose": .text("需求訪談")],
                user: owner, at: created)
            if created.adding(days: 3) <= today {
                move(processE["visit"]!, v1, [("outcome", .text(rng.pick(["確認需求", "取得預算資訊", "安排技術交流"]))),
                                             ("done", .date(created.adding(days: 3))), ("status", .text("done"))], user: owner, at: created.adding(days: 3))
            }
            if reachedOn["won"] == nil && reachedOn["lost"] == nil && rng.chance(0.5) {
                let v = nextID("visit")
                let when = today.adding(days: rng.int(40) - 10)   // some already overdue
                put(processE["visit"]!, v, ["customer": .text(c), "opportunity": .text(o), "staff": .text(owner), "kind": .text("negotiation"),
                                            "planned": .date(when), "status": .text("planned"), "purpose": .text("推進商務條款")],
                    user: owner, at: min(today, created.adding(days: 5)))
            }
            if let pday = reachedOn["proposal"], let author {
                let p = nextID("proposal")
                let price = Money(minor: amount.minor / 100 * Int64(100 + rng.int(15)))
                put(processE["proposal"]!, p, ["opportunity": .text(o), "title": .text("解決方案 v1"), "author": .text(author), "version": .int(1),
                                               "status": .text("draft"), "product_intro": .text("產品功能與優勢"), "technical_plan": .text("網路架構與設備配置"),
                                               "implementation_plan": .text("分三階段上線"), "after_sales": .text("7x24 維運"), "price": .money(price)],
                    user: author, at: pday)
                move(processE["proposal"]!, p, [("submitted", .date(pday)), ("status", .text("submitted"))], user: author, at: pday)
                if let nday = reachedOn["negotiation"] {
                    move(processE["proposal"]!, p, [("status", .text("accepted"))], user: owner, at: nday)
                }
            }
            if let nday = reachedOn["negotiation"] {
                for round in 0..<(1 + rng.int(2)) {
                    let nid = nextID("negotiation")
                    let discount = Percent(whole: Int64([5, 8, 10, 12, 15, 18, 22, 25][rng.int(8)]))
                    let day = nday.adding(days: 3 + 7 * round)
                    var f: [String: Value] = ["opportunity": .text(o), "date": .date(min(today, day)), "discount": .percent(discount),
                                              "price": .money(Money(minor: amount.minor)), "payment_terms": .text(rng.pick(["30/70", "50/50", "月結 60 天"])),
                                              "outcome": .text(round == 0 ? "客戶要求降價" : "達成共識")]
                    // Most big discounts were approved; a few in open deals still wait.
                    if discount > Percent(whole: 20), reachedOn["won"] != nil || reachedOn["lost"] != nil || rng.chance(0.6) {
                        let manager = model.table("staff").record(owner)?.values[3] ?? .null
                        f["approved_by"] = manager
                        f["approved_discount"] = .percent(discount)
                    }
                    put(processE["negotiation"]!, nid, f, user: owner, at: min(today, day))
                }
            }
            guard let wday = reachedOn["won"] else { return }
            // The contract whose signing won the deal: one line, or two summing to the amount.
            let k = nextID("contract")
            let delivery = wday.adding(days: 30 + rng.int(60))
            put(processE["contract"]!, k, ["opportunity": .text(o), "customer": .text(c), "status": .text("draft"),
                                           "payment_terms": .text("30/70"), "delivery_date": .date(delivery), "after_sales_terms": .text("一年保固")],
                user: owner, at: wday)
            let split = rng.chance(0.4) ? Money(minor: amount.minor / 100_000 * 80_000) : amount
            put(processE["contract_line"]!, nextID("contract_line"), ["contract": .text(k), "product": .text(product), "quantity": .int(1),
                                                                      "unit_price": .money(split), "discount": .percent(Percent(basisPoints: 0))],
                user: owner, at: wday)
            if split != amount {
                put(processE["contract_line"]!, nextID("contract_line"), ["contract": .text(k), "product": .text("CLOUD-PBX"), "quantity": .int(1),
                                                                          "unit_price": .money(amount - split), "discount": .percent(Percent(basisPoints: 0))],
                    user: owner, at: wday)
            }
            let age = Int(today.raw - wday.raw)
            move(processE["contract"]!, k, [("signed", .date(wday)), ("status", .text("signed"))], user: owner, at: wday)
            if age > 20 { move(processE["contract"]!, k, [("status", .text(age > 200 ? "completed" : "active"))], user: owner, at: wday.adding(days: 20)) }
            // The order through its steps, as far as time allows.
            let submitted = wday.adding(days: 2)
            guard submitted <= today else { return }
            let r = nextID("order")
            put(processE["order"]!, r, ["contract": .text(k), "status": .text("submitted"), "submitted": .date(submitted)], user: owner, at: submitted)
            var d = submitted
            for (st, gap) in [("scheduled", 5), ("shipped", 15), ("delivered", 10), ("closed", 20)] {
                let next = d.adding(days: gap + rng.int(gap))
                // A few orders stall and run past the delivery date.
                if next > today || (st == "delivered" && rng.chance(0.08)) { break }
                d = next
                move(processE["order"]!, r, [(st, .date(d)), ("status", .text(st)), ("customer_notified", .date(d))], user: owner, at: d)
            }
            // One invoice for the total, mostly paid on time, some late, some not yet.
            let due = wday.adding(days: 30)
            var inv: [String: Value] = ["contract": .text(k), "issued": .date(wday), "due": .date(due), "amount": .money(amount)]
            let roll = rng.int(100)
            if due.adding(days: 30) < today && roll < 85 { inv["paid"] = .date(due.adding(days: roll < 70 ? -rng.int(10) : 5 + rng.int(40))) }
            put(processE["invoice"]!, nextID("invoice"), inv, user: owner, at: wday)
            // After-sales: a survey, sometimes feedback, a ticket or a complaint.
            let after = d
            put(processE["survey"]!, nextID("survey"), ["customer": .text(c), "staff": .text(owner), "date": .date(min(today, after.adding(days: 7))),
                                                          "score": .int(Int64(60 + rng.int(41)))], user: owner, at: min(today, after.adding(days: 7)))
            if rng.chance(0.3) {
                let f = nextID("feedback")
                put(processE["feedback"]!, f, ["customer": .text(c), "date": .date(after), "channel": .text(rng.pick(["phone", "email", "visit"])),
                                               "content": .text(rng.pick(["網路穩定", "希望提升頻寬", "帳單說明不清楚"])), "rating": .int(Int64(2 + rng.int(4))),
                                               "status": .text("open")], user: owner, at: after)
                if after.adding(days: 7) < today { move(processE["feedback"]!, f, [("response", .text("已回覆客戶")), ("status", .text("handled"))], user: owner, at: after.adding(days: 7)) }
            }
            if rng.chance(0.2), let eng = author {
                let t = nextID("ticket")
                put(processE["ticket"]!, t, ["customer": .text(c), "contract": .text(k), "engineer": .text(eng), "priority": .text(rng.pick(Enums.priority.names)),
                                             "subject": .text(rng.pick(["專線中斷", "設備告警", "設定變更"])), "status": .text("open"), "opened": .date(after)],
                    user: eng, at: after)
                if after.adding(days: 10) < today {
                    move(processE["ticket"]!, t, [("status", .text("in_progress"))], user: eng, at: after.adding(days: 1))
                    move(processE["ticket"]!, t, [("resolution", .text("更換設備")), ("resolved", .date(after.adding(days: 3))), ("status", .text("resolved"))], user: eng, at: after.adding(days: 3))
                }
            }
            if rng.chance(0.08) {
                let q = nextID("complaint")
                put(processE["complaint"]!, q, ["customer": .text(c), "received": .date(after), "channel": .text("phone"), "subject": .text(rng.pick(["安裝延遲", "服務態度", "帳務錯誤"])),
                                                "handler": .text(owner), "status": .text("received")], user: owner, at: after)
                if after.adding(days: 14) < today {
                    move(processE["complaint"]!, q, [("status", .text("investigating"))], user: owner, at: after.adding(days: 1))
                    move(processE["complaint"]!, q, [("investigation", .text("確認原因")), ("measures", .text("改善流程並致歉")), ("status", .text("resolved"))], user: owner, at: after.adding(days: 7))
                    move(processE["complaint"]!, q, [("satisfied", .bool(true)), ("closed", .date(after.adding(days: 10))), ("status", .text("closed"))], user: owner, at: after.adding(days: 10))
                }
            }
        }

        // Opportunities over the last three years, in every stage; every eighth came from a lead.
        let stages = ["qualified", "needs", "proposal", "negotiation"]
        let span = Int(today.raw - start.raw)
        for n in 1...opportunities {
            let c = customers[rng.int(customers.count)]
            let (pid, pname, _, price, _) = DemoData.products[rng.int(DemoData.products.count)]
            let created = max(c.created, start.adding(days: rng.int(span)))
            let age = Int(today.raw - created.raw)
            // Older deals are mostly closed; recent ones mostly open.
            let closedChance = min(0.95, Double(age) / 240)
            let closed = rng.chance(closedChance)
            let won = closed && rng.chance(0.42)
            let reached = closed ? (won ? 4 : rng.int(4)) : min(3, rng.int(4) + (age > 90 ? 1 : 0))
            let qty = Int64(1 + rng.int(rng.chance(0.2) ? 12 : 3))
            let amount = Money(yuan: (price * qty * Int64(80 + rng.int(40)) / 100) / 1000 * 1000)
            let team = DemoData.teams.first { $0.id == c.region }?.id ?? "enterprise"
            let id = "O\(n)"
            var fields: [String: Value] = [
                "title": .text("\(pname)\(rng.chance(0.3) ? " 擴容" : "")"), "customer": .text(c.id), "owner": .text(c.owner),
                "stage": .text("qualified"), "amount": .money(amount), "probability": .percent(Percent(whole: 10)),
                "expected_close": .date(created.adding(days: 30 + rng.int(150))), "source": .text(rng.pick(sources)),
                "created": .date(created), "needs": .text(rng.pick(["頻寬不足", "多據點互聯", "資安合規", "降低通訊成本", "數位轉型", "異地備援"])),
            ]
            if rng.chance(0.6), let ps = presales[team] ?? presales["enterprise"], !ps.isEmpty { fields["presales"] = .text(rng.pick(ps)) }
            if rng.chance(0.5) { fields["competitor"] = .text(rng.pick(DemoData.competitors).id) }
            var fromLead: String? = nil
            if n % 8 == 1 {
                let cust = model.tables[custE].record(c.id)!
                let lead = makeLead(created: created.adding(days: -(25 + rng.int(30))), owner: c.owner,
                                    company: cust.values[s.entities[custE].titleIndex].display, source: fields["source"]!.display,
                                    region: c.region, path: ["screening", "qualified"])
                fromLead = lead.id
                fields["lead"] = .text(lead.id)
            }
            put(oppE, id, fields, user: c.owner, at: created)
            if let l = fromLead {
                move(leadE, l, [("customer", .text(c.id)), ("opportunity", .text(id)), ("status", .text("converted"))], user: c.owner, at: created)
            }
            // Walk forward through the stages, each move dated between creation and close.
            var reachedOn: [String: Day] = [:]
            let end = closed ? min(today, created.adding(days: 20 + rng.int(200))) : today.adding(days: -rng.int(max(1, min(age, 120))))
            var day = created
            let steps = reached + (closed ? 1 : 0)
            for step in 0..<steps {
                let remaining = Int(end.raw - day.raw)
                day = day.adding(days: max(0, remaining / max(1, steps - step) - rng.int(3)))
                if step < reached {
                    let st = stages[step + 1 < stages.count ? step + 1 : 3]
                    if step + 1 <= 3 {
                        move(oppE, id, [("stage", .text(st)), ("probability", .percent(Percent(whole: stageProbability[st]!)))], user: c.owner, at: day)
                        reachedOn[st] = day
                    }
                }
                if step == steps - 1 && closed {
                    if won {
                        move(oppE, id, [("stage", .text("won")), ("probability", .percent(Percent(whole: 100))), ("closed", .date(day))], user: c.owner, at: day)
                    } else {
                        var lost: [(String, Value)] = [("lost_reason", .text(rng.pick(DemoData.lostReasons)))]
                        if rng.chance(0.5) { lost.append(("lost_to", .text(rng.pick(DemoData.competitors).id))) }
                        move(oppE, id, lost + [("stage", .text("lost")), ("probability", .percent(Percent(whole: 0))), ("closed", .date(day))],
                             user: c.owner, at: day)
                    }
                    reachedOn[won ? "won" : "lost"] = day
                }
            }
            processRecords(opportunity: id, customer: c.id, owner: c.owner, team: team, product: pid, amount: amount,
                           created: created, reachedOn: reachedOn, presalesID: fields["presales"]?.textValue)
        }

        // The other leads, from every channel, in every state short of converted.
        let leadCount = max(60, opportunities / 2)
        while leadNo < leadCount {
            let created = start.adding(days: rng.int(span))
            let age = Int(today.raw - created.raw)
            let pi = rng.int(DemoData.places.count)
            let company = DemoData.places[pi] + rng.pick(DemoData.companyWords) + rng.pick(["科技", "實業", "國際", "物流", "生技", "電子"]) + rng.pick(DemoData.suffixes)
            let roll = rng.int(100)
            let path: [String] = age < 30 ? (roll < 50 ? [] : ["screening"])
                : (roll < 10 ? [] : roll < 30 ? ["screening"] : roll < 55 ? ["screening", "qualified"] : ["screening", "rejected"])
            _ = makeLead(created: created, owner: reps[rng.int(reps.count)].key, company: company, source: rng.pick(sources),
                         region: DemoData.placeRegion[pi], path: path)
        }

        management(model, put: put, move: move, reps: reps.map(\.key))
        training(model, put: put)

    }
}

extension DemoData {
    /// Chapters 4–6: sales plans, appraisals of the last months, budgets and the claims against them, risks.
    func management(_ model: Model, put: (Int, String, [String: Value], String, Day?) -> Void,
                    move: (Int, String, [(String, Value)], String, Day) -> Void, reps: [String]) {
        var rng = RNG(state: seed &+ 0x5EED)
        let s = model.schema
        let staff = model.table("staff"), ss = staff.schema
        let (teamIdx, roleIdx, managerIdx, activeIdx) = (ss.fieldIndex("team")!, ss.fieldIndex("role")!, ss.fieldIndex("manager")!, ss.fieldIndex("active")!)
        let sales = staff.allRecords.filter { ["manager", "rep", "presales"].contains($0.values[roleIdx].textValue ?? "") && $0.values[activeIdx] != .bool(false) }
        let (targetE, apprE, budgetE, expenseE, riskE) = (s.index(of: "target")!, s.index(of: "appraisal")!, s.index(of: "budget")!, s.index(of: "expense")!, s.index(of: "risk")!)
        let (y, m, _) = today.components
        var n = [String: Int]()
        func id(_ p: String) -> String { n[p, default: 0] += 1; return "\(p)\(n[p]!)" }

        // Monthly plans for each rep this year, set by their manager; quarterly ones for each team.
        for r in sales where r.values[roleIdx] == .text("rep") {
            let manager = r.values[managerIdx].textValue ?? "admin"
            for month in 1...12 {
                put(targetE, id("G"), ["staff": .text(r.id), "period": .period(.month(y, month)),
                                       "revenue": .money(Money(yuan: Int64(500 + rng.int(2500)) * 1000)),
                                       "new_customers": .int(Int64(1 + rng.int(3))), "visits": .int(Int64(4 + rng.int(8)))],
                    manager, Day(year: y, month: 1, day: 1)!.adding(days: -20))
            }
        }
        for team in DemoData.teams {
            let manager = model.table("team").record(team.id)?.values[1].textValue ?? "admin"
            for q in 1...4 {
                put(targetE, id("G"), ["team": .text(team.id), "period": .period(.quarter(y, q)),
                                       "revenue": .money(Money(yuan: Int64(20 + rng.int(40)) * 1_000_000)), "new_customers": .int(Int64(5 + rng.int(10)))],
                    "wang.wei" == manager ? "admin" : "wang.wei", Day(year: y, month: 1, day: 1)!.adding(days: -15))
            }
        }

        // Appraisals for the three months before last: the older ones closed, the latest partly still open and
        // overdue. Last month's are left for a manager to open.
        let surveys = model.table("survey")
        for back in 2...4 {
            let period = Period.month(y, m).shifted(by: -back)
            for r in sales {
                let superior = r.values[managerIdx].textValue ?? "admin"
                let a = id("A")
                put(apprE, a, ["staff": .text(r.id), "period": .period(period), "status": .text("open")], superior, period.end)
                let stage = back > 2 ? 3 : rng.int(4)
                if stage == 0 { continue }
                let selfScore = Int64(65 + rng.int(35))
                move(apprE, a, [("self_score", .int(selfScore)), ("status", .text("self_assessed"))], r.id, period.end.adding(days: 2))
                if stage == 1 { continue }
                let scores = surveys.allRecords.filter { $0.values[1] == .text(r.id) && ($0.values[2].day.map(period.contains) ?? false) }
                    .compactMap { rec -> Double? in if case .int(let v) = rec.values[3] { return Double(v) }; return nil }
                let customer: Value = scores.isEmpty ? .null : .real((scores.reduce(0, +) / Double(scores.count) * 10).rounded() / 10)
                move(apprE, a, [("superior_score", .int(Int64(55 + rng.int(45)))), ("teamwork", .int(Int64(60 + rng.int(40)))),
                                ("customer_score", customer), ("reviewer", .text(superior)), ("status", .text("reviewed"))], superior, period.end.adding(days: 7))
                if stage == 2 { continue }
                if let rec = model.tables[apprE].record(a), let t = Management.total(rec, model) {
                    let g = Management.grade(t)
                    move(apprE, a, [("outcome", .text(Management.outcomeByGrade[g]!)), ("closed_total", .real(t)),
                                    ("closed_bonus", .money(Management.bonus(g, model))), ("status", .text("closed"))], superior, period.end.adding(days: 8))
                }
            }
        }

        // Claims over the last fourteen months, then budgets that cover what was approved, some nearly spent.
        let categories = Enums.expenseCategory.names
        var spent: [String: Int64] = [:]
        let claimants = sales.filter { $0.values[teamIdx] != .null }
        for r in claimants {
            guard case .text(let team) = r.values[teamIdx] else { continue }
            let superior = r.values[managerIdx].textValue ?? "admin"
            let count = 10 + rng.int(18)
            for _ in 0..<count {
                let date = today.adding(days: -rng.int(420))
                let cat = categories[rng.int(categories.count) == 3 && rng.chance(0.7) ? 1 : rng.int(categories.count)]
                let amount = Int64([800, 1500, 3200, 6000, 12000, 25000][rng.int(6)] + rng.int(900))
                let e = id("E")
                put(expenseE, e, ["staff": .text(r.id), "category": .text(cat), "amount": .money(Money(yuan: amount)), "date": .date(date),
                                  "description": .text(["客戶拜訪交通費", "業務餐敘", "展會攤位", "線上課程", "出差住宿", "廣告投放"][rng.int(6)]),
                                  "status": .text("submitted")], r.id, date)
                let age = Int(today.raw - date.raw)
                if age < 5 || (age < 20 && rng.chance(0.3)) { continue }   // still waiting: some for over a week
                let decided = date.adding(days: 1 + rng.int(4))
                if rng.chance(0.1) {
                    move(expenseE, e, [("reason", .text(["缺少發票", "超出標準", "重複申請"][rng.int(3)])), ("decided", .date(decided)),
                                       ("approver", .text(superior)), ("status", .text("rejected"))], superior, decided)
                    continue
                }
                move(expenseE, e, [("decided", .date(decided)), ("approver", .text(superior)), ("status", .text("approved"))], superior, decided)
                spent["\(team)/\(cat)/\(date.year)", default: 0] += amount
                if age > 30 { move(expenseE, e, [("status", .text("reimbursed"))], "admin", decided.adding(days: 10)) }
            }
        }
        for year in [y - 1, y] {
            for team in DemoData.teams {
                for cat in categories {
                    let used = spent["\(team.id)/\(cat)/\(year)", default: 0]
                    let ratio = [103, 110, 125, 140, 160, 200][rng.int(6)]
                    let amount = max(50_000, (used * Int64(ratio) / 100 + 9_999) / 10_000 * 10_000)
                    put(budgetE, id("B"), ["year": .int(Int64(year)), "team": .text(team.id), "category": .text(cat), "amount": .money(Money(yuan: amount))],
                        "admin", Day(year: year, month: 1, day: 1)!.adding(days: -30))
                }
            }
        }

        // Risks: credit risks at customers with unpaid invoices, contract risks at late orders, market risks.
        let invoices = model.table("invoice"), contracts = model.table("contract")
        // In the order first met, each once (looked up in a set: a list's search made 10M quadratic).
        var customersAtRisk: [String] = [], atRisk = Set<String>()
        for case let inv? in invoices.records where inv.values[4].isNull {
            if let k = contracts.record(inv.values[0].textValue ?? ""), case .text(let c) = k.values[1], atRisk.insert(c).inserted { customersAtRisk.append(c) }
        }
        for c in customersAtRisk.prefix(max(3, opportunities / 60)) {
            let owner = model.table("customer").record(c)?.values[5] ?? .null
            put(riskE, id("X"), ["kind": .text("credit"), "customer": .text(c), "description": .text("應收帳款逾期"), "cause": .text("客戶資金週轉"),
                                 "impact": .int(Int64(2 + rng.int(4))), "likelihood": .int(Int64(2 + rng.int(4))), "owner": owner,
                                 "review": .date(today.adding(days: rng.int(40) - 20)), "status": .text("open")], "admin", today.adding(days: -30))
        }
        for i in 0..<max(3, opportunities / 100) {
            let x = id("X")
            put(riskE, x, ["kind": .text(i % 3 == 0 ? "contract" : "market"), "description": .text(["競爭對手降價", "5G 設備交期延長", "政策補助縮減", "合同交付延誤"][rng.int(4)]),
                           "impact": .int(Int64(1 + rng.int(5))), "likelihood": .int(Int64(1 + rng.int(5))), "owner": .text(reps[rng.int(reps.count)]),
                           "review": .date(today.adding(days: rng.int(60) - 15)), "status": .text("open")], "admin", today.adding(days: -45))
            if rng.chance(0.4) { move(riskE, x, [("response", .text("調整報價策略並加強客戶溝通")), ("status", .text("mitigating"))], "admin", today.adding(days: -20)) }
        }
    }
}

extension DemoData {
    static let courses: [(id: String, title: String, kind: String, method: String, provider: String, hours: Double)] = [
        ("5G-BASICS", "5G 專網產品知識", "product", "internal", "產品部", 6), ("SDWAN-101", "SD-WAN 方案介紹", "product", "online", "線上學院", 3),
        ("NEGOTIATION", "商務談判技巧", "sales_skills", "external", "卓越培訓公司", 12), ("CRM-SKILLS", "客戶關係管理", "sales_skills", "internal", "銷售部", 4),
        ("TELCO-TRENDS", "通信行業趨勢", "industry", "online", "線上學院", 2), ("TEAM-WORK", "跨部門協作工作坊", "teamwork", "internal", "人資部", 6)]

    /// Chapters 7–8: courses, a plan per quarter, course records over the last year, career plans, team activities.
    func training(_ model: Model, put: (Int, String, [String: Value], String, Day?) -> Void) {
        var rng = RNG(state: seed &+ 0x7EA)
        let s = model.schema
        let (courseE, planE, trainingE, careerE, activityE) = (s.index(of: "course")!, s.index(of: "training_plan")!, s.index(of: "training")!,
                                                               s.index(of: "career_plan")!, s.index(of: "activity")!)
        let trainer = model.table("staff").allRecords.first { $0.values[1] == .text("trainer") }?.id ?? "admin"
        for c in DemoData.courses {
            put(courseE, c.id, ["title": .text(c.title), "kind": .text(c.kind), "method": .text(c.method), "provider": .text(c.provider), "hours": .real(c.hours)],
                trainer, today.adding(days: -400))
        }
        let staff = model.table("staff"), ss = staff.schema
        let people = staff.allRecords.filter { ["manager", "rep", "presales"].contains($0.value("role", in: ss).textValue ?? "") }
        var n = [String: Int]()
        func id(_ p: String) -> String { n[p, default: 0] += 1; return "\(p)\(n[p]!)" }
        let (y, m, _) = today.components
        let thisQuarter = Period.quarter(y, (m - 1) / 3 + 1)
        for back in 0..<4 {
            let q = thisQuarter.shifted(by: -back)
            for team in DemoData.teams {
                let c = DemoData.courses[rng.int(DemoData.courses.count)]
                let date = q.start.adding(days: 20 + rng.int(40))
                let plan = id("TP")
                put(planE, plan, ["period": .period(q), "course": .text(c.id), "team": .text(team.id), "date": .date(date), "capacity": .int(Int64(6 + rng.int(10)))],
                    trainer, q.start.adding(days: -10))
                guard date <= today else { continue }
                for p in people where p.value("team", in: ss) == .text(team.id) && rng.chance(0.7) {
                    let score = Int64(50 + rng.int(51))
                    put(trainingE, id("TR"), ["staff": .text(p.id), "course": .text(c.id), "date": .date(date), "hours": .real(c.hours),
                                              "score": .int(score), "passed": .bool(score >= 60), "plan": .text(plan)], trainer, date)
                }
            }
        }
        for p in people.prefix(max(3, people.count / 4)) {
            put(careerE, id("CP"), ["staff": .text(p.id), "target_role": .text("manager"), "target_date": .date(today.adding(months: 12 + rng.int(24))),
                                    "milestones": .text("完成談判課程；獨立負責大客戶；帶領兩名新人"), "status": .text("active")], p.value("manager", in: ss).textValue ?? "admin", today.adding(days: -90))
        }
        for team in DemoData.teams {
            let manager = model.table("team").record(team.id)?.values[1].textValue ?? "admin"
            for back in [30, 120, 240] {
                let kind = Enums.activityKind.names[rng.int(4)]
                put(activityE, id("AC"), ["team": .text(team.id), "date": .date(today.adding(days: -back - rng.int(20))), "kind": .text(kind),
                                          "title": .text(["季度聚餐", "登山健行", "銷售經驗分享會", "月度溝通會"][Enums.activityKind.names.firstIndex(of: kind)!]),
                                          "participants": .int(Int64(4 + rng.int(8)))], manager, today.adding(days: -back))
            }
        }
    }
}

extension String {
    func replacingSpaces() -> String { String(map { $0 == " " ? "." : $0 }) }
}

extension Table {
    func setValue(slot: Int, field: Int, _ v: Value) { set(slot: slot, field: field, v) }
}

extension Model {
    /// Empties every table, for `demo --replace`.
    public func removeAll() {
        for t in tables { t.removeAll() }
    }
}

extension Table {
    func removeAll() {
        for id in ids { remove(id) }
        nextNumber = 1
    }
}
