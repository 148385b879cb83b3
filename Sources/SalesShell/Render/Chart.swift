import SalesCore
import SalesLanguage

extension Renderer {
    /// A bar chart (or a funnel, bars centred) of a result: labels from the first column, lengths from
    /// the last numeric column. Other formats than table print the rows themselves.
    public func renderChart(_ t: ResultTable, kind: String) -> String {
        guard format == .table else { return render(t) }
        // A funnel draws its counts (the first numeric column); a bar chart the last figure.
        let numeric = t.columns.indices.filter { t.columns[$0].type.isNumeric }
        guard let valueCol = kind == "funnel" ? numeric.first : numeric.last else {
            return "chart needs a numeric column, e.g. … | group owner | agg sum(amount) | chart bar\n" + render(t)
        }
        let labelCols = t.columns.indices.filter { $0 != valueCol && !t.columns[$0].type.isNumeric }
        let labels = t.rows.map { r in (labelCols.isEmpty ? [] : labelCols).map { r[$0].display }.joined(separator: " ") }
        let values = t.rows.map { $0[valueCol].numeric ?? 0 }
        let texts = t.rows.map { $0[valueCol].display }
        let labelWidth = min(30, labels.map { DisplayWidth.of($0) }.max() ?? 0)
        let textWidth = texts.map { DisplayWidth.of($0) }.max() ?? 0
        let total = width ?? 100
        let barWidth = max(10, total - labelWidth - textWidth - 4)
        let top = max(values.map { abs($0) }.max() ?? 0, .leastNonzeroMagnitude)
        var out = dim("\(t.columns[valueCol].name)") + "\n"
        for (i, label) in labels.enumerated() {
            let eighths = Int((abs(values[i]) / top * Double(barWidth * 8)).rounded())
            var bar = String(repeating: "█", count: eighths / 8)
            if eighths % 8 > 0 { bar += String(["▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8 - 1]) }
            if kind == "funnel" {
                let pad = String(repeating: " ", count: max(0, (barWidth - DisplayWidth.of(bar)) / 2))
                bar = pad + bar + pad
            }
            let l = DisplayWidth.pad(DisplayWidth.truncate(label, to: labelWidth), to: labelWidth, right: false)
            let shown = kind == "funnel" ? DisplayWidth.pad(bar, to: barWidth, right: false) : bar
            out += "\(l) │\(color ? "\u{1B}[36m" : "")\(shown)\(color ? "\u{1B}[0m" : "") \(DisplayWidth.pad(texts[i], to: textWidth, right: kind != "funnel"))".trimmingTrailingSpaces() + "\n"
        }
        return out
    }
}
