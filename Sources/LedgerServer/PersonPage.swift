import LedgerCore
import LedgerQueries
import LedgerModel
import LedgerRules

/// The page an appeals investigator reads: the person's timeline with every decision explained,
/// and two charts drawn by the server as SVG. No script; it works without JavaScript. Everything on
/// it is what the ledger recorded: the charts sum the recorded decisions, nothing is decided again.
struct PersonPage {
    let timeline: Timeline
    let parameters: ParameterSet
    let year: Int
    let principal: Principal

    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    var html: String {
        var page = """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>\(PersonPage.escape(timeline.person)) · caseledger</title>
            <style>
            body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1100px}
            table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #ddd;padding:4px 6px;vertical-align:top;text-align:left}
            .why{color:#444;font-size:12px;margin:2px 0 0 0;padding-left:1em}.decision{background:#f6f9ff}
            .legend span{margin-right:1.5em}figure{margin:1em 0}
            </style></head><body>
            <h1 data-person="\(PersonPage.escape(timeline.person))">参保人 Person \(PersonPage.escape(timeline.person))</h1>
            <p>年度 Year \(year) · 查看者 Viewer \(PersonPage.escape(principal.name)) (\(principal.role.word)) · 本次查看已记入账本 this read is recorded in the ledger</p>

            """
        if !timeline.mergedPersons.isEmpty {
            page += "<p>合并的重复记录 Merged duplicates: \(timeline.mergedPersons.map(PersonPage.escape).joined(separator: ", "))</p>\n"
        }
        page += chart(NetDecision.fold(timeline.events.filter { $0.event.type.isDecision }).filter { $0.year == year })
        page += table()
        page += "</body></html>\n"
        return page
    }

    // MARK: Timeline

    func table() -> String {
        let bySequence = parameters.bySequence
        let types = timeline.typesBySequence
        var html = "<h2>时间线 Timeline</h2>\n<table id=\"timeline\"><thead><tr><th>序号 Seq</th><th>记录时间 Recorded</th>"
            + "<th>生效日期 Effective</th><th>事件 Event</th><th>内容与说明 Content and explanation</th></tr></thead><tbody>\n"
        for recorded in timeline.events where recorded.event.type != .accessRecorded {
            let event = LedgerServer.visible(recorded.event, to: principal)
            let decision = event.type.isDecision
            let lines = Explain.lines(for: event, parameters: bySequence, causeType: { types[$0] })
            html += "<tr class=\"\(decision ? "decision" : "fact")\" data-sequence=\"\(recorded.sequence)\" data-type=\"\(event.type.name)\">"
            html += "<td>\(recorded.sequence)</td><td>\(recorded.recordedAt)</td><td>\(event.effectiveDate?.description ?? "-")</td>"
            html += "<td>\(PersonPage.label(event.type))<br><code>\(event.type.name)</code></td><td>"
            html += "<code>\(PersonPage.escape(Render.fields(of: event)))</code>"
            for line in lines { html += "<p class=\"why\">\(PersonPage.escape(line))</p>" }
            html += "</td></tr>\n"
        }
        return html + "</tbody></table>\n" + reads()
    }

    /// The reads of this person's data, apart from its facts and decisions.
    func reads() -> String {
        let reads = timeline.events.filter { $0.event.type == .accessRecorded }
        var html = "<h2>查看记录 Reads of this person (\(reads.count))</h2>\n<table id=\"reads\"><thead><tr><th>序号 Seq</th>"
            + "<th>记录时间 Recorded</th><th>查看者 Reader</th><th>角色 Role</th><th>请求 Request</th></tr></thead><tbody>\n"
        for recorded in reads {
            let event = recorded.event
            html += "<tr data-sequence=\"\(recorded.sequence)\"><td>\(recorded.sequence)</td><td>\(recorded.recordedAt)</td>"
            html += "<td>\(PersonPage.escape(event.text(.reader) ?? ""))</td><td>\(PersonPage.escape(event.word(.role, Role.self)?.word ?? ""))</td>"
            html += "<td><code>\(PersonPage.escape(event.text(.route) ?? ""))</code></td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }

    static func label(_ type: EventType) -> String {
        switch type {
        case .personRegistered: return "登记"
        case .personAmended: return "身份信息变更"
        case .personMerged: return "重复参保合并"
        case .identityRecognized: return "身份认定"
        case .identityRevoked: return "身份撤销"
        case .enrollmentRegistered: return "参保登记"
        case .contributionPaid: return "缴费"
        case .contributionRefunded: return "退费"
        case .settlementRecorded: return "结算"
        case .settlementReversed: return "冲销"
        case .assistanceApplied: return "倾斜救助申请"
        case .regionRegistered: return "区划登记"
        case .policyPublished: return "政策参数发布"
        case .contributionSubsidized: return "资助参保决定"
        case .assistanceGranted: return "医疗救助决定"
        case .assistanceAdjusted: return "补发/追回"
        case .tiltedGranted: return "倾斜救助决定"
        case .accessRecorded: return "查看记录"
        }
    }

    // MARK: Charts

    struct Series {
        let name: String
        let colour: String
        /// (day of year, cumulative amount) steps.
        let points: [(Int, Money)]
    }

    /// The year's cumulative base B and grants, summed from the recorded decisions in settlement
    /// (and application) order: B over the claims that count toward the threshold, each claim's net
    /// grant, each application's net tilted grant.
    func chart(_ decisions: [NetDecision]) -> String {
        let lastDay = CivilDate.lastOf(year: year)
        func day(_ date: CivilDate) -> Int { Int(date.daysSinceEpoch - CivilDate.firstOf(year: year).daysSinceEpoch) }
        func dated(_ subject: (Subject) -> Bool, _ field: Field) -> [(date: CivilDate, decision: NetDecision)] {
            decisions.filter { subject($0.subject) }.compactMap { decision in decision.latest.date(field).map { ($0, decision) } }
                .sorted { ($0.date, $0.decision.firstSequence) < ($1.date, $1.decision.firstSequence) }
        }
        var base: [(Int, Money)] = [(0, .zero)]
        var granted: [(Int, Money)] = [(0, .zero)]
        var runningBase = Money.zero, runningGranted = Money.zero
        for (date, decision) in dated({ if case .claim = $0 { return true } else { return false } }, .settledOn)
        where decision.latest.integer(.counted) == 1 {
            runningBase += decision.latest.money(.base) ?? .zero
            runningGranted += decision.grant
            base.append((day(date), runningBase))
            granted.append((day(date), runningGranted))
        }
        var tilted: [(Int, Money)] = [(0, .zero)]
        var runningTilted = Money.zero
        for (date, decision) in dated({ if case .application = $0 { return true } else { return false } }, .appliedOn)
        where decision.grant > .zero {
            runningTilted += decision.grant
            tilted.append((min(day(date), day(lastDay)), runningTilted))
        }
        func parameter(_ name: ParameterName) -> Money? { parameters.find(name, on: lastDay)?.money ?? parameters.all.last { $0.name == name }?.money }
        let threshold = parameter(.assistanceThreshold) ?? Money.yuan(3000)
        let tiltedLine = parameter(.tiltedEligibility) ?? Money.yuan(10_000)
        let cap = parameter(.assistanceCap) ?? Money.yuan(20_000)
        let tiltedCap = parameter(.tiltedCap) ?? Money.yuan(100_000)
        var html = "<h2>年度累计 Year \(year) cumulative</h2>\n"
        html += svg(id: "chart-base", title: "救助基数 Cumulative assistance base B",
                    series: [Series(name: "B", colour: "#1f5fbf", points: base)],
                    lines: [("起付线 threshold \(threshold)", threshold, "#c0392b"), ("倾斜救助线 tilted line \(tiltedLine)", tiltedLine, "#8e44ad")])
        html += svg(id: "chart-granted", title: "已获救助 Assistance granted",
                    series: [Series(name: "医疗救助 regular", colour: "#1e8449", points: granted),
                             Series(name: "倾斜救助 tilted", colour: "#d35400", points: tilted)],
                    lines: [("年度限额 cap \(cap)", cap, "#c0392b"), ("倾斜限额 tilted cap \(tiltedCap)", tiltedCap, "#8e44ad")])
        return html
    }

    func svg(id: String, title: String, series: [Series], lines: [(String, Money, String)]) -> String {
        let width: Int64 = 720, height: Int64 = 220, left: Int64 = 70, top: Int64 = 20, plotWidth: Int64 = 620, plotHeight: Int64 = 170
        let days: Int64 = 366
        let largest = max(series.flatMap { $0.points.map(\.1.fen) }.max() ?? 0, lines.map(\.1.fen).max() ?? 0, 1)
        let ceiling = largest + largest / 10
        func x(_ day: Int) -> Int64 { left + Int64(day) * plotWidth / days }
        func y(_ amount: Money) -> Int64 { top + plotHeight - max(0, amount.fen) * plotHeight / ceiling }
        var svg = "<figure><figcaption>\(PersonPage.escape(title))</figcaption>\n"
        svg += "<svg id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(PersonPage.escape(title))\">\n"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"#fafafa\" stroke=\"#999\"/>\n"
        for month in 0..<12 {
            let monthDay = Int((CivilDate(year: year, month: month + 1, day: 1)?.daysSinceEpoch ?? 0) - CivilDate.firstOf(year: year).daysSinceEpoch)
            svg += "<text x=\"\(x(monthDay) + 2)\" y=\"\(top + plotHeight + 14)\" font-size=\"10\">\(month + 1)月</text>\n"
        }
        for (label, amount, colour) in lines {
            svg += "<line x1=\"\(left)\" y1=\"\(y(amount))\" x2=\"\(left + plotWidth)\" y2=\"\(y(amount))\" stroke=\"\(colour)\" stroke-dasharray=\"5,4\"/>\n"
            svg += "<text x=\"\(left + 4)\" y=\"\(y(amount) - 3)\" font-size=\"10\" fill=\"\(colour)\">\(PersonPage.escape(label))</text>\n"
        }
        for item in series {
            var points: [String] = []
            var previous: Money = .zero
            for (day, amount) in item.points {
                points.append("\(x(day)),\(y(previous))")
                points.append("\(x(day)),\(y(amount))")
                previous = amount
            }
            points.append("\(x(365)),\(y(previous))")
            svg += "<polyline class=\"series\" data-series=\"\(PersonPage.escape(item.name))\" fill=\"none\" stroke=\"\(item.colour)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
        }
        svg += "<text x=\"4\" y=\"\(top + 10)\" font-size=\"10\">\(Money(fen: ceiling).yuanString)</text>\n"
        svg += "<text x=\"4\" y=\"\(top + plotHeight)\" font-size=\"10\">0</text>\n</svg>\n"
        svg += "<div class=\"legend\">" + series.map { "<span style=\"color:\($0.colour)\">■ \(PersonPage.escape($0.name)) \($0.points.last?.1.yuanString ?? "0.00")</span>" }.joined() + "</div></figure>\n"
        return svg
    }
}
