import LedgerCore
import LedgerQueries

/// The operations page: the data-sharing lags of a year (RULES.md § 14) per department and month,
/// as the `lags-summary` report gives them, drawn as an SVG chart by the server. No script.
struct OperationsPage {
    let summary: Report
    let year: Int

    /// One bar group per month; in each, one bar per department, its height the month's p90 lag in
    /// working days, the late count written above it.
    var html: String {
        let rows = summary.rows.compactMap { row -> (department: String, month: Int, count: Int, late: Int, p90: Int)? in
            guard row.count == 8, let month = Int(row[1].suffix(2)), let count = Int(row[2]), let late = Int(row[4]),
                let p90 = Int(row[6]) else { return nil }
            return (row[0], month, count, late, p90)
        }
        let departments = Array(Set(rows.map(\.department))).sorted()
        let colours = ["#1f5fbf", "#1e8449", "#d35400", "#8e44ad", "#c0392b", "#7f8c8d"]
        let width = 760, height = 260, left = 50, top = 20, plotWidth = 690, plotHeight = 190
        let ceiling = max(rows.map(\.p90).max() ?? 0, 5)
        let slot = plotWidth / 12
        let bar = max(4, (slot - 6) / max(1, departments.count))
        var svg = "<svg id=\"chart-lags\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"p90 lag per department and month\">\n"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"#fafafa\" stroke=\"#999\"/>\n"
        for step in 0...ceiling where ceiling <= 10 || step % max(1, ceiling / 5) == 0 {
            let y = top + plotHeight - step * plotHeight / ceiling
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 3)\" font-size=\"10\" text-anchor=\"end\">\(step)</text>\n"
        }
        for month in 1...12 {
            svg += "<text x=\"\(left + (month - 1) * slot + 3)\" y=\"\(top + plotHeight + 14)\" font-size=\"10\">\(month)月</text>\n"
        }
        for row in rows {
            guard let index = departments.firstIndex(of: row.department) else { continue }
            let x = left + (row.month - 1) * slot + 3 + index * bar
            let barHeight = row.p90 * plotHeight / ceiling
            let y = top + plotHeight - barHeight
            svg += "<rect class=\"lag\" data-department=\"\(PersonPage.escape(row.department))\" data-month=\"\(row.month)\" x=\"\(x)\" y=\"\(y)\" width=\"\(bar - 1)\" height=\"\(max(1, barHeight))\" fill=\"\(colours[index % colours.count])\"><title>\(PersonPage.escape(row.department)) \(row.month)月: p90 \(row.p90), \(row.late) late of \(row.count)</title></rect>\n"
            if row.late > 0 { svg += "<text x=\"\(x)\" y=\"\(y - 2)\" font-size=\"9\">\(row.late)</text>\n" }
        }
        svg += "</svg>\n"
        let legend = departments.enumerated().map { "<span style=\"color:\(colours[$0.offset % colours.count])\">■ \(PersonPage.escape($0.element))</span>" }
        var table = "<table id=\"lags\"><thead><tr>" + summary.columns.map { "<th>\(PersonPage.escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in summary.rows { table += "<tr>" + row.map { "<td>\(PersonPage.escape($0))</td>" }.joined() + "</tr>\n" }
        table += "</tbody></table>\n"
        return """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>Operations \(year) · caseledger</title>
            <style>
            body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1100px}
            table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}
            .legend span{margin-right:1.5em}
            </style></head><body>
            <h1>数据共享时限 Data-sharing lags \(year)</h1>
            <p>\(PersonPage.escape(summary.title))</p>
            <figure><figcaption>p90 lag in working days per department and month (bars); late events written above</figcaption>
            \(svg)<div class="legend">\(legend.joined())</div></figure>
            \(table)</body></html>

            """
    }
}
