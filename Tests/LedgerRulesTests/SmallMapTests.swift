import LedgerModel
import Testing

@testable import LedgerRules

@Suite struct SmallMapTests {
    /// Against a Dictionary, through a seeded run of sets, changes and removals that crosses the
    /// count at which the map starts to keep a hash index, both ways.
    @Test func itHoldsWhatADictionaryHolds() {
        var map = SmallMap<Int, Int>()
        var reference: [Int: Int] = [:]
        var order: [Int] = []
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var largest = 0
        for step in 0..<4_000 {
            let key = next(3 * SmallMap<Int, Int>.indexedFrom)
            if next(4) == 0 {
                map[key] = nil
                reference[key] = nil
                order.removeAll { $0 == key }
            } else {
                if reference[key] == nil { order.append(key) }
                map[key] = step
                reference[key] = step
            }
            largest = max(largest, map.count)
            #expect(map.count == reference.count)
            for probe in 0..<(3 * SmallMap<Int, Int>.indexedFrom) { #expect(map[probe] == reference[probe], "key \(probe) at step \(step)") }
            #expect(map.keys == order, "keys in the order first set, at step \(step)")
            #expect(map.values == order.map { reference[$0]! })
            #expect(map.values(where: { $0 % 3 == 0 }) == order.map { reference[$0]! }.filter { $0 % 3 == 0 })
            let multiplesOfThree = map.reduceValues(into: [Int]()) { kept, value in if value % 3 == 0 { kept.append(value) } }
            #expect(multiplesOfThree == order.map { reference[$0]! }.filter { $0 % 3 == 0 })
        }
        #expect(largest > SmallMap<Int, Int>.indexedFrom, "the run crossed into the indexed form")
    }

    /// A claim changed through the map (a reversal) is changed in place, and found by its id.
    @Test func aClaimIsChangedThroughItsID() {
        var map = SmallMap<String, Int>()
        for id in 0..<40 { map["c\(id)"] = id }
        map["c7"]? += 100
        map["c33"]? += 100
        map["none"]? += 100
        #expect(map["c7"] == 107 && map["c33"] == 133 && map["none"] == nil && map.count == 40)
    }
}

@Suite struct HistoryYearsTests {
    /// The years a person has facts in, ascending and each once, whatever order the facts came in:
    /// the decision engine re-adjudicates them in this order.
    @Test func theYearsAreAscendingAndEachOnce() {
        var book = Book()
        book.add([Fact.enrolled(year: 2025, on: "2024-11-15"), Fact.enrolled(year: 2023, on: "2022-11-15"),
                  Fact.claim("c1", on: "2024-03-01", inList: "100", basic: "50"), Fact.applied(year: 2023, on: "2023-12-01"),
                  Fact.claim("c2", on: "2022-06-01", inList: "100", basic: "50"), Fact.enrolled(year: 2025, on: "2024-12-01")])
        #expect(book.history.years == [2022, 2023, 2024, 2025])
    }
}

@Suite struct DecisionFieldsTests {
    /// Against a Dictionary, through a seeded run of sets, changes and removals over every field:
    /// each field is found where it was set, and `ordered` is the fields in ascending number.
    @Test func itHoldsWhatADictionaryHoldsInFieldOrder() {
        var fields = DecisionFields()
        var reference: [Field: FieldValue] = [:]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for step in 0..<3_000 {
            let field = Field.allCases[next(Field.allCases.count)]
            let value: FieldValue? = next(4) == 0 ? nil : .integer(Int64(step))
            fields[field] = value
            reference[field] = value
            for probe in Field.allCases { #expect(fields[probe] == reference[probe], "\(probe) at step \(step)") }
            #expect(fields.ordered == reference.keys.sorted().map { FieldEntry($0, reference[$0]!) }, "at step \(step)")
        }
    }

    /// Every field number fits the bits that say which fields are set.
    @Test func everyFieldNumberIsBelow128() {
        #expect(Field.allCases.allSatisfy { $0.rawValue >= 0 && $0.rawValue < 128 })
    }
}
