import LedgerModel

/// What a region is, for the financing split (a `region.registered` event).
public struct RegionInfo: Hashable, Sendable {
    public let code: Int64
    public let name: String
    public let kind: RegionKind
    public let parent: Int64
    public let validFrom: CivilDate

    public init?(_ event: Event) {
        guard event.type == .regionRegistered, let code = event.integer(.region), let name = event.text(.name),
            let kind = event.word(.regionKind, RegionKind.self), let parent = event.integer(.parent), let from = event.date(.validFrom)
        else { return nil }
        self.code = code
        self.name = name
        self.kind = kind
        self.parent = parent
        self.validFrom = from
    }
}

/// Who owes what for one insured person in one fiscal year (RULES.md § 3).
public struct FinancingShare: Hashable, Sendable {
    public var central = Money.zero
    public var region = Money.zero
    public var city = Money.zero
    /// The county, urban district or development zone.
    public var county = Money.zero
    public var parameters: [UInt64] = []
    public var note: String?

    public init() {}

    public var total: Money { central + region + city + county }
}

public enum Financing {
    /// Nanning, whose city share is split 1:1 with its urban districts (004 § (二)–(五)).
    public static let nanning: Int64 = 450100
    /// 邕宁区, Nanning's poor district (004 § (四)).
    public static let yongning: Int64 = 450109

    /// The per-person split for a region of `kind` in fiscal year `year` (RULES.md § 3).
    public static func share(for region: RegionInfo?, year: Int, parameters: ParameterSet) -> FinancingShare {
        var share = FinancingShare()
        let on = CivilDate.firstOf(year: year)
        func value(_ name: ParameterName) -> Money? {
            guard let parameter = parameters.find(name, on: on, region: region?.code) else { return nil }
            share.parameters.append(parameter.sequence)
            return parameter.money
        }
        guard let central = value(.financingCentral) else {
            share.note = "no financing parameters published for \(year)"
            return share
        }
        share.central = central
        guard let region else {
            share.note = "region not registered: only the central share is known"
            return share
        }
        switch region.kind {
        case .university:
            // Region-run university students: the local part all by the region.
            share.region = value(.financingStudents) ?? .zero
        case .poorCounty:
            share.region = value(.financingRegionPoorCounty) ?? .zero
            let local = value(.financingLocalPoorCounty) ?? .zero
            if region.code == yongning {
                // 邕宁区, Nanning's poor district: its 27.5 split 13.75 city / 13.75 district (004 § (四));
                // a poor county bears its own share in full.
                share.city = pct(local, BasisPoints(5000))
                share.county = local - share.city
            } else {
                share.county = local
            }
        case .county:
            share.region = value(.financingRegionCounty) ?? .zero
            share.county = value(.financingLocalCounty) ?? .zero
        case .developmentZone:
            share.region = value(.financingRegionCity) ?? .zero
            // Development zones bear their local share in full.
            share.county = value(.financingLocalCity) ?? .zero
        case .cityDistrict:
            share.region = value(.financingRegionCity) ?? .zero
            let local = value(.financingLocalCity) ?? .zero
            if region.parent == nanning && region.code != yongning {
                share.city = pct(local, BasisPoints(5000))
                share.county = local - share.city
            } else {
                share.city = local
            }
        }
        return share
    }
}
