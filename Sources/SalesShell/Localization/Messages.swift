import Foundation
import SalesCore

/// The language the shell speaks: `--lang en|zh-Hant`, else from LC_ALL / LC_MESSAGES / LANG
/// (zh_TW, zh_HK, zh_MO and zh_Hant mean Traditional Chinese). Names in statements are accepted in
/// every language whatever this is; it decides what the shell writes.
public enum UILanguage: String, CaseIterable, Sendable {
    case en
    case zhHant = "zh-Hant"

    public static func parse(_ s: String) -> UILanguage? {
        switch s.lowercased().replacingOccurrences(of: "_", with: "-") {
        case "en", "english", "en-us", "en-gb": return .en
        case "zh-hant", "zh-tw", "zh-hk", "zh-mo", "zh", "tw", "繁體中文", "中文": return .zhHant
        default: return nil
        }
    }

    public static func from(environment: [String: String]) -> UILanguage {
        for key in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            guard let v = environment[key], !v.isEmpty else { continue }
            let base = v.split(separator: ".").first.map(String.init) ?? v
            if ["zh_TW", "zh_HK", "zh_MO"].contains(base) || base.hasPrefix("zh_Hant") { return .zhHant }
            return .en
        }
        return .en
    }
}

/// The shell's own words, in each language. A test checks every key has every language.
public enum Messages {
    public static let catalog: [String: [UILanguage: String]] = [
        "rows": [.en: "(%d rows)", .zhHant: "（共 %d 列）"],
        "row": [.en: "(1 row)", .zhHant: "（共 1 列）"],
        "error": [.en: "error", .zhHant: "錯誤"],
        "help": [.en: "help", .zhHant: "提示"],
        "warning": [.en: "warning", .zhHant: "警告"],
        "banner": [.en: "salesh — store %@%@, %d records, acting as %@.", .zhHant: "salesh — 資料庫 %@%@，%d 筆記錄，目前身分 %@。"],
        "read-only": [.en: " (read-only)", .zhHant: "（唯讀）"],
        "banner-help": [.en: "Type help for statements, help ENTITY for fields, quit or Ctrl-D to leave.",
                        .zhHant: "輸入 help 查看指令，help 實體名稱 查看欄位，quit 或 Ctrl-D 離開。"],
        "checks": [.en: "checks: %d passed, %d failed", .zhHant: "檢查：%d 項通過，%d 項未通過"],
        "wrote": [.en: "wrote %d rows to %@", .zhHant: "已寫入 %d 列至 %@"],
        "wrote-one": [.en: "wrote 1 row to %@", .zhHant: "已寫入 1 列至 %@"],
        "timer": [.en: "time: %@ ms", .zhHant: "耗時：%@ 毫秒"],
        "watch": [.en: "every %@s: %@  — %@ — Ctrl-C to stop", .zhHant: "每 %@ 秒：%@  — %@ — 按 Ctrl-C 停止"],
        "no-previous": [.en: "there is no previous result yet", .zhHant: "還沒有上一個結果"],
    ]

    public static func text(_ key: String, _ lang: UILanguage, _ args: CVarArg...) -> String {
        guard let entry = catalog[key], let format = entry[lang] ?? entry[.en] else { return key }
        return args.isEmpty ? format : String(format: format, arguments: args)
    }

    /// A column heading in the language: a field's Chinese term where the column is a field of the schema.
    public static func heading(_ name: String, _ lang: UILanguage) -> String {
        guard lang == .zhHant else { return name }
        return headings[name] ?? name
    }

    /// Column names to Chinese headings: report columns, then every field's term (the first declared wins).
    private static let headings: [String: String] = {
        var h: [String: String] = ["id": "編號", "count": "數量", "n": "數量", "total": "合計", "weighted": "加權金額", "revenue": "銷售額",
                                   "won": "成交", "lost": "丟單", "win_rate": "贏單率", "share": "占比", "hours": "時數", "courses": "課程數",
                                   "record": "記錄", "action": "操作", "by": "變更人", "old": "原值", "new": "新值", "at": "時間",
                                   // Names whose term differs between entities, in a word that fits them all.
                                   "staff": "人員", "name": "名稱", "title": "標題", "description": "說明", "due": "到期日",
                                   "response": "處理結果", "amount": "金額",
                                   // The reports' own columns.
                                   "reached": "到達數", "of_created": "占建立數", "from_previous": "較上一階段", "month": "月份",
                                   "target": "目標", "of_target": "目標達成率", "won_amount": "成交金額", "avg_cycle_days": "平均銷售週期（天）",
                                   "leads": "線索數", "qualified": "有價值", "converted": "已轉化", "conversion": "轉化率",
                                   "last_visit": "上次拜訪", "days_overdue": "逾期天數", "profit": "毛利", "growth": "增長率",
                                   "satisfaction": "滿意度", "avg_cycle": "平均銷售週期（天）", "pipeline": "在途金額", "attainment": "達成率",
                                   "budget": "預算", "remaining": "剩餘", "projected": "全年預計", "sales_skills": "銷售技巧",
                                   "needs_open": "未滿足需求", "needs_met": "已滿足需求", "year_hours": "年度時數", "below_minimum": "低於最低時數",
                                   "fill": "報名率", "impact_1": "影響 1", "impact_2": "影響 2", "impact_3": "影響 3", "impact_4": "影響 4",
                                   "impact_5": "影響 5"]
        for e in Schema.sales.entities { for f in e.fields { if let zh = f.zh, h[f.name] == nil { h[f.name] = zh } } }
        return h
    }()
}
