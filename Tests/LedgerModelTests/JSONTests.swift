import Testing

@testable import LedgerModel

/// Parses raw bytes (which a Swift `String` cannot hold when they are not UTF-8).
func parseJSON(bytes: [UInt8]) -> Result<JSONValue, JSONSyntaxError> {
    bytes.withUnsafeBufferPointer { buffer in
        do throws(JSONSyntaxError) { return .success(try JSONParser.parse(buffer)) } catch { return .failure(error) }
    }
}

func parseJSON(_ text: String) -> Result<JSONValue, JSONSyntaxError> {
    do throws(JSONSyntaxError) { return .success(try JSONParser.parse(text)) } catch { return .failure(error) }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

@Suite("JSON parser")
struct JSONParserTests {
    @Test("an object with every kind of value")
    func everyKind() throws {
        let value = try JSONParser.parse(#"{"a":1,"b":"x","c":true,"d":false,"e":null,"f":[1,"2",[]],"g":{"h":"i"},"j":{}}"#)
        let expected = JSONValue.object([
            (key: "a", value: .number("1")),
            (key: "b", value: .string("x")),
            (key: "c", value: .bool(true)),
            (key: "d", value: .bool(false)),
            (key: "e", value: .null),
            (key: "f", value: .array([.number("1"), .string("2"), .array([])])),
            (key: "g", value: .object([(key: "h", value: .string("i"))])),
            (key: "j", value: .object([])),
        ])
        #expect(value == expected)
        #expect(value["g"]?["h"] == .string("i"))
        #expect(value["missing"] == nil)
        #expect(value["f"]?["a"] == nil)  // not an object
    }

    @Test("members keep their order, and order matters for equality")
    func memberOrder() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2,"m":3}"#)
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["z", "a", "m"])
        #expect(try JSONParser.parse(#"{"a":1,"b":2}"#) != JSONParser.parse(#"{"b":2,"a":1}"#))
        #expect(try JSONParser.parse(#"{"a":1}"#) != JSONParser.parse(#"{"a":1,"b":2}"#))
    }

    @Test("white space around and between tokens")
    func whitespace() throws {
        let value = try JSONParser.parse(" \t\r\n{ \"a\" :\t[ 1 , 2 ] ,\n\"b\" : { } } \r\n")
        #expect(value == .object([(key: "a", value: .array([.number("1"), .number("2")])), (key: "b", value: .object([]))]))
    }

    @Test("top-level scalars")
    func scalars() throws {
        #expect(try JSONParser.parse(#""x""#) == .string("x"))
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse("false") == .bool(false))
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse("12") == .number("12"))
        #expect(try JSONParser.parse(#""""#) == .string(""))
    }

    @Test("nesting deeply")
    func nesting() throws {
        let value = try JSONParser.parse(#"{"a":{"b":{"c":[{"d":"e"}]}}}"#)
        guard case .array(let list)? = value["a"]?["b"]?["c"] else {
            Issue.record("no array")
            return
        }
        #expect(list.first?["d"] == .string("e"))
    }

    @Test(
        "escapes",
        arguments: [
            (#""\"""#, "\""),
            (#""\\""#, "\\"),
            (#""\/""#, "/"),
            (#""\b\f\n\r\t""#, "\u{8}\u{C}\n\r\t"),
            (#""a\nb""#, "a\nb"),
            (#""\u0041""#, "A"),
            (#""\u00e9""#, "é"),
            (#""\u00E9""#, "é"),
            (#""\u4E2D\u6587""#, "中文"),
            (#""\u0000""#, "\u{0}"),
            (#""\uD83D\uDE00""#, "😀"),
            (#""\ud83d\ude00!""#, "😀!"),
            (#""x\uD834\uDD1Ey""#, "x𝄞y"),
            (#""中\n文""#, "中\n文"),
            (#""医保 \"2024\" \\ ok""#, "医保 \"2024\" \\ ok"),
        ])
    func escapes(json: String, text: String) throws {
        #expect(try JSONParser.parse(json) == .string(text))
    }

    @Test(
        "bad escapes are refused",
        arguments: [
            #""\x""#,
            #""\u12G4""#,
            #""\u12""#,
            #""\u""#,
            #""\uD83D""#,  // lone high surrogate
            #""\uD83Dx""#,
            #""\uD83D\u0041""#,  // high surrogate + non-surrogate
            #""\uD83D\uD83D""#,  // two high surrogates
            #""\uDE00""#,  // lone low surrogate
            #""\'""#,
            #""\"#,
            #""abc\"#,
        ])
    func badEscapes(json: String) {
        #expect(parseJSON(json).failure != nil)
    }

    @Test("a duplicate member is refused, at the second name")
    func duplicate() throws {
        let error = try #require(parseJSON(#"{"a":1,"a":2}"#).failure)
        #expect(error.offset == 7)
        #expect(error.reason.contains("duplicate"))
        #expect(error.reason.contains("\"a\""))
        #expect(parseJSON(#"{"o":{"k":1,"k":1}}"#).failure != nil)
        #expect(parseJSON(#"{"amount":"1","x":0,"amount":"1"}"#).failure != nil)
        // The same name in different objects is fine; names differing in case are different.
        #expect(parseJSON(#"{"k":{"k":1},"o":{"k":2}}"#).failure == nil)
        #expect(parseJSON(#"{"a":1,"A":2}"#).failure == nil)
        // An escaped name equal to an earlier one is the same name.
        #expect(parseJSON(#"{"a":1,"\u0061":2}"#).failure != nil)
    }

    @Test(
        "numbers keep their lexeme",
        arguments: ["0", "-0", "320", "3200.50", "1.50", "-12.05", "1e3", "1E+3", "1.5e-10", "-0.0e-0",
                    "123456789012345678901234567890", "0.000001"])
    func numberLexeme(text: String) throws {
        #expect(try JSONParser.parse(text) == .number(text))
        #expect(try JSONParser.parse("[\(text)]") == .array([.number(text)]))
        #expect(try JSONParser.parse("{\"n\":\(text)}")["n"] == .number(text))
    }

    @Test("leading zeros are refused")
    func leadingZeros() {
        for text in ["01", "-01", "00", "007", "00.5", "[01]", #"{"a":01}"#] {
            #expect(parseJSON(text).failure != nil, "\(text)")
        }
        let error = parseJSON("01").failure
        #expect(error?.reason.contains("leading zero") == true)
    }

    @Test(
        "malformed numbers are refused",
        arguments: ["1.", ".5", "-", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "-Infinity", "1.e3", "--1", "1..2", "- 1"])
    func badNumbers(text: String) {
        #expect(parseJSON(text).failure != nil)
    }

    @Test("trailing text is refused")
    func trailingText() throws {
        let error = try #require(parseJSON("{} x").failure)
        #expect(error.offset == 3)
        #expect(error.description == "not valid JSON at byte 4: \(error.reason)")
        for text in [#"{"a":1}{}"#, "1 2", "[] ]", "null,", "\"a\"\"b\"", "{\"a\":1}\u{0}"] {
            #expect(parseJSON(text).failure != nil, "\(text)")
        }
    }

    @Test("control characters in strings are refused; DEL is not a control character")
    func controlCharacters() {
        for byte in UInt8(0)..<0x20 {
            #expect(parseJSON(bytes: [0x22, 0x61, byte, 0x62, 0x22]).failure != nil, "byte \(byte)")
            // Also after an escape, on the slow path.
            #expect(parseJSON(bytes: [0x22, 0x5C, 0x6E, byte, 0x22]).failure != nil, "byte \(byte) after escape")
        }
        #expect(parseJSON(bytes: [0x22, 0x7F, 0x22]) == .success(.string("\u{7F}")))
        #expect(parseJSON("\"a\tb\"").failure?.reason.contains("control") == true)
    }

    @Test("invalid UTF-8 in a string is refused")
    func invalidUTF8() {
        let refused: [[UInt8]] = [
            [0x22, 0xFF, 0x22],
            [0x22, 0x80, 0x22],  // a lone continuation byte
            [0x22, 0xC0, 0xAF, 0x22],  // overlong '/'
            [0x22, 0xE4, 0xB8, 0x22],  // truncated 中
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // a surrogate encoded in UTF-8
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x22, 0x5C, 0x6E, 0xFF, 0x22],  // after an escape
            [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D],  // in a member name
        ]
        for bytes in refused {
            let error = parseJSON(bytes: bytes).failure
            #expect(error != nil, "\(bytes)")
        }
        #expect(parseJSON(bytes: [0x22, 0xFF, 0x22]).failure?.reason.contains("UTF-8") == true)
        #expect(parseJSON(bytes: [0x22, 0xE4, 0xB8, 0xAD, 0x22]) == .success(.string("中")))
        #expect(parseJSON(bytes: [0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22]) == .success(.string("😀")))
    }

    @Test("objects and arrays nest at most 8 deep")
    func depthLimit() {
        #expect(JSONParser.maximumDepth == 8)
        let arrays8 = String(repeating: "[", count: 8) + String(repeating: "]", count: 8)
        let arrays9 = String(repeating: "[", count: 9) + String(repeating: "]", count: 9)
        #expect(parseJSON(arrays8).failure == nil)
        #expect(parseJSON(arrays9).failure?.reason.contains("deeper") == true)
        let objects8 = String(repeating: #"{"a":"#, count: 7) + "{}" + String(repeating: "}", count: 7)
        let objects9 = String(repeating: #"{"a":"#, count: 8) + "{}" + String(repeating: "}", count: 8)
        #expect(parseJSON(objects8).failure == nil)
        #expect(parseJSON(objects9).failure != nil)
        #expect(parseJSON(#"{"a":[{"b":[{"c":[{"d":[1]}]}]}]}"#).failure == nil)  // 8
        #expect(parseJSON(#"{"a":[{"b":[{"c":[{"d":[[1]]}]}]}]}"#).failure != nil)  // 9
        // A very deep line does not crash the parser.
        #expect(parseJSON(String(repeating: "[", count: 100_000)).failure != nil)
    }

    @Test(
        "other syntax errors are refused",
        arguments: ["", "   ", #"{"a" 1}"#, #"{"a":1,}"#, "[1,]", "[,1]", "{a:1}", "{'a':1}", #"{"a":1"#, #"{"a":"#, "[1", "[1 2]",
                    #"{"a":1 "b":2}"#, #"{1:2}"#, "tru", "nul", "True", "NULL", "falsey", #""abc"#, "}", "]", #"{"a"}"#, ":"])
    func otherErrors(text: String) {
        #expect(parseJSON(text).failure != nil)
    }

    @Test("typeName")
    func typeNames() {
        #expect(JSONValue.string("").typeName == "a string")
        #expect(JSONValue.number("1").typeName == "a number")
        #expect(JSONValue.bool(true).typeName == "a boolean")
        #expect(JSONValue.null.typeName == "null")
        #expect(JSONValue.object([]).typeName == "an object")
        #expect(JSONValue.array([]).typeName == "an array")
        #expect(JSONValue.string("1") != JSONValue.number("1"))
    }
}

@Suite("JSON writer")
struct JSONWriterTests {
    @Test("members in the order given, commas between them")
    func memberOrder() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("z", "1")
        writer.member("a", integer: 2)
        writer.key("arr")
        writer.beginArray()
        writer.integer(1)
        writer.string("x")
        writer.bool(true)
        writer.bool(false)
        writer.null()
        writer.raw("1.50")
        writer.endArray()
        writer.key("o")
        writer.beginObject()
        writer.endObject()
        writer.key("p")
        writer.beginObject()
        writer.member("q", integer: -7)
        writer.endObject()
        writer.key("nested")
        writer.beginArray()
        writer.beginArray()
        writer.integer(1)
        writer.integer(2)
        writer.endArray()
        writer.beginArray()
        writer.endArray()
        writer.beginObject()
        writer.endObject()
        writer.endArray()
        writer.endObject()
        #expect(writer.text == #"{"z":"1","a":2,"arr":[1,"x",true,false,null,1.50],"o":{},"p":{"q":-7},"nested":[[1,2],[],{}]}"#)
    }

    @Test("escaping")
    func escaping() {
        var writer = JSONWriter()
        writer.string("a\"b\\c\nd\re\tf\u{8}g\u{1F}h\u{0}/é中😀\u{7F}")
        #expect(writer.text == #""a\"b\\c\nd\re\tf\u0008g\u001fh\u0000/é中😀"# + "\u{7F}\"")
        var keyWriter = JSONWriter()
        keyWriter.beginObject()
        keyWriter.member("k\"", "v")
        keyWriter.endObject()
        #expect(keyWriter.text == #"{"k\"":"v"}"#)
    }

    @Test("every string survives writing and parsing")
    func roundTrip() throws {
        var everyControl = ""
        for value in UInt32(0)..<0x20 { everyControl.unicodeScalars.append(Unicode.Scalar(value)!) }
        let strings = ["", "plain", "quote \" backslash \\ slash /", everyControl, "中文 医保", "😀𝄞", "\u{7F}\u{80}\u{FFFF}", "\u{2028}\u{2029}"]
        for string in strings {
            var writer = JSONWriter()
            writer.beginObject()
            writer.member(string, string)
            writer.endObject()
            let parsed = try JSONParser.parse(writer.text)
            #expect(parsed == .object([(key: string, value: .string(string))]), "\(writer.text)")
            #expect(!writer.text.unicodeScalars.contains { $0.value < 0x20 })
        }
    }

    @Test("the same calls give the same bytes")
    func deterministic() {
        func write() -> String {
            var writer = JSONWriter()
            writer.beginObject()
            for index in 0..<20 { writer.member("k\(index)", integer: index * 3) }
            writer.endObject()
            return writer.text
        }
        #expect(write() == write())
        #expect(write().hasPrefix(#"{"k0":0,"k1":3,"k2":6,"#))
    }
}
