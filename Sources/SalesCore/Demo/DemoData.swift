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
    static let competitors = ["中華電信", "遠傳電信", "台灣大哥大", "亞太電信", "CR-5G Networks"]

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
                cs.append(.update(entity: e, id: id, field: fi, old: t.records[slot]!.values[fi], new: v))
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
            if rng.chance(0.5) { fields["competitor"] = .text(rng.pick(DemoData.competitors)) }
            var fromLead: String? = nil
            if n % 8 == 1 {
                let cust = model.tables[custE].record(c.id)!
                let lead = makeLead(created: created.adding(days: -(25 + rng.int(30))), owner: c.owner,
                                    company: cust.values[s.entities[custE].titleIndex].display, source: fields["source"]!.display,
                                    region: c.region, path: ["screening", "qualified"])
                fromLead = lead.id
                fields["lead"] = .text(lead.id)
            }
            _ = pid
            put(oppE, id, fields, user: c.owner, at: created)
            if let l = fromLead {
                move(leadE, l, [("customer", .text(c.id)), ("opportunity", .text(id)), ("status", .text("converted"))], user: c.owner, at: created)
            }
            // Walk forward through the stages, each move dated between creation and close.
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
                    }
                }
                if step == steps - 1 && closed {
                    if won {
                        move(oppE, id, [("stage", .text("won")), ("probability", .percent(Percent(whole: 100))), ("closed", .date(day))], user: c.owner, at: day)
                    } else {
                        move(oppE, id, [("lost_reason", .text(rng.pick(DemoData.lostReasons))), ("stage", .text("lost")),
                                        ("probability", .percent(Percent(whole: 0))), ("closed", .date(day))], user: c.owner, at: day)
                    }
                }
            }
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
