import LedgerModel

/// The values of the seed documents, published into every new ledger (RULES.md § 8).
///
/// They are ordinary `policy.published` events with the source system `caseledger-defaults`; a
/// replay years later uses them as recorded, even after this table changes.
public enum DefaultParameters {
    public static let sourceSystem = "caseledger-defaults"

    struct Entry {
        let name: String
        let value: String
        let from: String
        let to: String?
        let region: String?
        let clause: String
    }

    static let seed000 = "桂医保发〔2021〕22号"
    static let seed001 = "医保发〔2021〕32号"
    static let seed002 = "桂乡村振兴医保组〔2022〕 巩固拓展医疗保障脱贫攻坚成果通知"
    static let seed003 = "桂人社发〔2017〕33号"
    static let seed004 = "南宁 2020 筹资通知 / 桂医保发〔2020〕46号"

    static let entries: [Entry] = {
        var list: [Entry] = []
        func add(_ name: String, _ value: String, _ from: String, _ to: String?, _ clause: String, region: String? = nil) {
            list.append(Entry(name: name, value: value, from: from, to: to, region: region, clause: clause))
        }
        // Contribution standard per insurance year (RULES.md § 4).
        add("contribution.standard", "180", "2018-01-01", "2018-12-31", "\(seed003) § 二")
        add("contribution.standard", "280", "2021-01-01", "2021-12-31", "\(seed004)", region: "450100")
        add("contribution.standard", "320", "2022-01-01", "2022-12-31", "\(seed000) § 一(二); \(seed001)")
        add("contribution.subsidy.poor2018", "60%", "2018-01-01", "2018-12-31", "\(seed003) § 二")
        add("contribution.subsidy.JC", "60%", "2022-01-01", "2025-12-31", "\(seed002) § 一(一)")
        add("contribution.subsidy.TP", "60%", "2022-01-01", "2022-12-31", "\(seed002) § 一(二)")
        add("contribution.subsidy.TP", "50%", "2023-01-01", "2023-12-31", "\(seed002) § 一(二)")
        add("contribution.subsidy.TP", "40%", "2024-01-01", "2024-12-31", "\(seed002) § 一(二)")
        add("contribution.subsidy.TP", "30%", "2025-01-01", "2025-12-31", "\(seed002) § 一(二)")
        add("contribution.subsidy.TK", "100%", "2022-01-01", "2025-12-31", "\(seed000) § 二(三)")
        // Financing per insured person per fiscal year (RULES.md § 3).
        for (level, value) in [("central", "324"), ("region.city", "85"), ("region.county", "100"), ("local.city", "41"),
                               ("local.county", "26"), ("students", "126")] {
            add("financing." + level, value, "2017-01-01", "2017-12-31", "\(seed003) § 一")
        }
        for (level, value) in [("central", "440"), ("region.city", "55"), ("region.county", "55"), ("local.city", "55"),
                               ("local.county", "55"), ("region.poor-county", "82.5"), ("local.poor-county", "27.5"),
                               ("students", "110")] {
            add("financing." + level, value, "2020-01-01", "2020-12-31", "\(seed004) § (一)")
        }
        for (level, value) in [("central", "464"), ("region.city", "58"), ("region.county", "58"), ("local.city", "58"),
                               ("local.county", "58"), ("region.poor-county", "87"), ("local.poor-county", "29"),
                               ("students", "116")] {
            add("financing." + level, value, "2021-01-01", "2021-12-31", "\(seed000) § 一(一)")
        }
        // Medical assistance and tilted assistance in the transition period (RULES.md §§ 6, 7).
        add("assistance.threshold", "3000", "2022-08-01", "2025-12-31", "\(seed002) § 三(二)")
        add("assistance.cap", "20000", "2022-08-01", "2025-12-31", "\(seed002) § 三(二)")
        add("assistance.rate.JC", "70%", "2022-08-01", "2025-12-31", "\(seed002) § 三(二)")
        add("assistance.rate.TP", "50%", "2022-08-01", "2025-12-31", "\(seed002) § 三(二)")
        add("tilted.eligibility", "10000", "2022-08-01", "2025-12-31", "\(seed002) § 三(三)")
        add("tilted.cap", "100000", "2022-08-01", "2025-12-31", "\(seed002) § 三(三)")
        add("tilted.target.inpatient", "90%", "2022-08-01", "2025-12-31", "\(seed002) § 三(三)")
        add("tilted.target.outpatient", "80%", "2022-08-01", "2025-12-31", "\(seed002) § 三(三)")
        add("risk.burden.poor", "5000", "2022-08-01", "2025-12-31", "\(seed002) § 三(四)")
        add("risk.burden.rural", "10000", "2022-08-01", "2025-12-31", "\(seed002) § 三(四)")
        add("inlist.share.min", "90%", "2022-08-01", "2025-12-31", "\(seed002) § 三(五)")
        // The critical-illness tilt of the transition period (RULES.md § 12); the ordinary threshold,
        // rate and cap are regional and not in the seeds.
        add("critical.tilt.threshold.JC", "50%", "2022-08-01", "2025-12-31", "\(seed002) § 三(一)")
        add("critical.tilt.threshold.TP", "50%", "2022-08-01", "2025-12-31", "\(seed002) § 三(一)")
        add("critical.tilt.rate.JC", "10%", "2022-08-01", "2025-12-31", "\(seed002) § 三(一); \(seed003) § 四 (I-11)")
        add("critical.tilt.rate.TP", "5%", "2022-08-01", "2025-12-31", "\(seed002) § 三(一)")
        return list
    }()

    /// The default set as `policy.published` events, in a fixed order.
    public static var events: [Event] {
        entries.map { entry in
            var fields: [Field: FieldValue] = [
                .parameter: .text(entry.name), .value: .text(entry.value), .clause: .text(entry.clause),
            ]
            if let from = CivilDate(entry.from) { fields[.validFrom] = .date(from) }
            if let to = entry.to.flatMap(CivilDate.init) { fields[.validTo] = .date(to) }
            if let region = entry.region.flatMap({ Int64($0) }) { fields[.region] = .integer(region) }
            let key = [entry.name, entry.from, entry.region].compactMap { $0 }.joined(separator: "/")
            return Event(type: .policyPublished, source: Source(system: sourceSystem, key: key), person: nil, fields: fields)
        }
    }

    /// The recorded time of the default set: fixed, so that every ledger made from it shares the
    /// same first events and an export re-imports to the same hashes.
    public static let recordedAt = Timestamp(millisecondsSinceEpoch: 1_763_856_000_000)
}
