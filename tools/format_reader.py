#!/usr/bin/python3
"""An independent reader of a caseledger ledger, written from docs/FORMAT.md alone.

It uses nothing of the Swift code: Python's standard library, the `lmdb` module (Debian's
python3-lmdb) and the rules the page states. Every rule it applies is a sentence of that page, so
where the page and the code drift apart this reader fails (Tests/CaseledgerCLITests/FormatReaderTests.swift).

    /usr/bin/python3 tools/format_reader.py LEDGER                 # check everything, print a summary
    /usr/bin/python3 tools/format_reader.py LEDGER export          # what `caseledger export` prints
    /usr/bin/python3 tools/format_reader.py LEDGER accumulators [--year YYYY]
                                                                   # what `caseledger accumulators` prints
    /usr/bin/python3 tools/format_reader.py LEDGER digest          # the projection digest (replay --verify)

Every mode first decodes the whole log and checks the chain, the head, `meta`, every index and the
live accumulators against the log. Problems go to standard error, one a line, each naming the
database and what is wrong. Exit status: 0 all consistent, 1 a problem found, 2 could not run.
"""

import argparse
import hashlib
import os
import sys

try:
    import lmdb
except ImportError:  # pragma: no cover - depends on the machine
    sys.stderr.write("format_reader: the Python lmdb module is missing (Debian: apt-get install python3-lmdb; "
                     "run with /usr/bin/python3)\n")
    sys.exit(2)

# ----------------------------------------------------------------------------------------------
# The tables of docs/FORMAT.md
# ----------------------------------------------------------------------------------------------

# Of each record of the log: 1 holds a decision's reason as words, 2 to 4 as a code (§ Reasons); 3 and 4
# also hold the link to the event before it in its person's stream (§ Body header, field 8); 1 to 3
# hold their chain hash after the body, 4 does not (§ The event record).
FORMAT_VERSIONS = (1, 2, 3, 4)
HASH_BYTES = 32
# `chain` holds the chain hash at every sequence that is a multiple of this (format 6).
CHAIN_INTERVAL = 64
# The ledger's format (§ The environment): 2 to 6 keep streams as `streamLinks` (3 may hold records
# of version 2, 4 and 5 of version 3, 6 of version 4); 1 kept them in `streams`. A format of 3 to 6 is
# read as 2: the databases are the same but for the sources, which formats 5 and 6 keep under their systems' numbers in
# `sourceKeys` and `systems`, and the formats before it under their names in `sources`.
FORMAT_MARKERS = {b"caseledger 1": 1, b"caseledger 2": 2, b"caseledger 3": 2, b"caseledger 4": 2, b"caseledger 5": 2,
                  b"caseledger 6": 2}
SOURCES_BY_NUMBER = (b"caseledger 5", b"caseledger 6")
# Format 6 writes records of version 4 and keeps the chain hash of every 64th event in `chain`.
CHAINED = b"caseledger 6"
REASON_FIELD = 66

# § Word lists of symbols
CATEGORIES = ["TK", "GE", "SW", "DB", "DBBY", "JC", "TP"]
WORDS = {
    21: ["rural", "urban"],
    24: CATEGORIES,
    28: ["civil-affairs", "rural-revitalization"],
    31: ["concentrated", "other"],
    32: ["newborn", "employee-lapse"],
    37: ["inpatient", "outpatient-special-chronic", "outpatient"],
    38: ["dialysis", "malignant-tumour", "anti-rejection", "thalassaemia", "haemophilia"],
    50: ["city-district", "county", "poor-county", "development-zone", "university"],
    65: ["granted", "none", "pending"],
    92: ["assistance-fund", "city-county-finance", "civil-affairs", "region-city-county"],
    95: ["claim", "application", "enrollment"],
    101: ["ingest", "ops", "auditor", "investigator"],
}

# § Fields: number -> (JSON name, kind). Kinds: text, identifier, residentID, date, money, year,
# regionCode, count, symbol, counts.
FIELDS = {int(number): (name, kind) for number, name, kind in (line.split() for line in """
16 idNumber residentID
17 name text
18 birthDate date
19 region regionCode
20 household identifier
21 residence symbol
22 on date
23 into identifier
24 category symbol
25 validFrom date
26 validTo date
27 exitYear year
28 department symbol
29 insuranceYear year
30 enrolledOn date
31 channel symbol
32 exemption symbol
33 amount money
34 paidOn date
35 refundedOn date
36 claim identifier
37 kind symbol
38 disease symbol
39 hospital identifier
40 admittedOn date
41 dischargedOn date
42 settledOn date
43 totalCost money
44 inListCost money
45 basicPaid money
46 criticalPaid money
47 reversedOn date
48 year year
49 appliedOn date
50 kind symbol
51 parent regionCode
52 parameter text
53 value text
54 clause text
55 platformAssistance money
56 receivedAt text
64 cause count
65 outcome symbol
66 reason text
67 rules text
68 parameters counts
69 held text
70 identityEvent count
71 base money
72 baseBefore money
73 baseAfter money
74 threshold money
75 rate count
76 cap money
77 grantedBefore money
78 grantedAfter money
79 eligible money
80 grant money
81 adjusts count
82 counted count
83 baseDelta money
84 selfPay money
85 inpatientGap money
86 outpatientGap money
87 inpatientAmount money
88 outpatientAmount money
89 remainingGap money
90 standard money
91 owed money
92 fundedBy symbol
93 pendingParameter text
94 pendingDate date
95 subject symbol
96 subjectSequence count
100 reader text
101 role symbol
102 route text
""".strip().splitlines())}
WIRE_TYPE = {"text": 2, "identifier": 2, "residentID": 2, "counts": 2,
             "date": 0, "money": 0, "year": 0, "regionCode": 0, "count": 0, "symbol": 0}


def _schema(text):
    """'16 R, 17, ...' -> {16: True, 17: False}."""
    schema = {}
    for item in text.split(","):
        parts = item.split()
        if parts:
            number = int(parts[0])
            schema[number] = schema.get(number, False) or (len(parts) > 1 and parts[1] == "R")
    return schema


COMMON = "33 R, 64 R, 65 R, 80 R, 24, 66, 67, 68, 69, 70, 92, 93, 94, 96"
CLAIM_FIELDS = "36, 37, 42, 71, 72, 73, 74, 75, 76, 77, 78, 79, 82, 83"
APPLICATION_FIELDS = "48, 49, 74, 76, 77, 78, 79, 84, 85, 86, 87, 88, 89"

# § Event types and their schemas: code -> (name, effective-date fields, schema)
# code | name | effective-date fields | schema ("R": required), one input type a line.
INPUT_TYPES = """
1 | person.registered | - | 16 R, 17 R, 18 R, 19 R, 20, 21
2 | person.amended | 22 | 16, 17, 19, 22 R
3 | person.merged | 22 | 22 R, 23 R
4 | identity.recognized | 25 | 24 R, 25 R, 26, 27, 28 R
5 | identity.revoked | 26 | 24 R, 26 R
6 | enrollment.registered | 30 | 19 R, 29 R, 30 R, 31 R, 32
7 | contribution.paid | 34 | 29 R, 33 R, 34 R
8 | contribution.refunded | 35 | 29 R, 33 R, 35 R
9 | settlement.recorded | 42 | 36 R, 37 R, 38, 39 R, 40, 41, 42 R, 43 R, 44 R, 45 R, 46 R, 55
10 | settlement.reversed | 47 | 36 R, 47 R
11 | assistance.applied | 49 | 48 R, 49 R
12 | region.registered | 25 | 17 R, 19 R, 25 R, 50 R, 51 R
13 | policy.published | 25 | 19, 25 R, 26, 52 R, 53 R, 54 R
"""
TYPES = {}
for _row in INPUT_TYPES.strip().splitlines():
    _code, _name, _dates, _fields = (part.strip() for part in _row.split("|"))
    TYPES[int(_code)] = (_name, [] if _dates == "-" else [int(d) for d in _dates.split(",")], _schema(_fields))
TYPES.update({
    32: ("contribution.subsidized", [30], _schema(COMMON + ", 24, 29 R, 30 R, 75, 90, 91, 92")),
    33: ("assistance.granted", [42], _schema(COMMON + ", " + CLAIM_FIELDS)),
    34: ("assistance.adjusted", [42, 49, 30],
         _schema(COMMON + ", 81 R, 95 R, " + CLAIM_FIELDS + ", " + APPLICATION_FIELDS + ", 29, 30, 90, 91")),
    35: ("tilted.granted", [49], _schema(COMMON + ", " + APPLICATION_FIELDS)),
    40: ("access.recorded", [], _schema("100 R, 101 R, 102 R")),
})
for _code in range(1, 14):  # every input type may also carry 56 receivedAt
    TYPES[_code][2][56] = False

DECISION_TYPES = (32, 33, 34, 35)
FIRST_DECISION = {"claim": 33, "application": 35, "enrollment": 32}


def is_input(code):
    return code < 32


# ----------------------------------------------------------------------------------------------
# Decoding (§ The event record)
# ----------------------------------------------------------------------------------------------

class DecodeError(Exception):
    pass


def read_varint(data, position, end):
    """A canonical little-endian base-128 varint; refuses padding, a tenth byte above 1 and truncation."""
    result = 0
    shift = 0
    while True:
        if position >= end or shift >= 64:
            raise DecodeError("record ends inside a varint")
        byte = data[position]
        position += 1
        if shift == 63 and byte > 1:
            raise DecodeError("a varint's tenth byte is above 1")
        result |= (byte & 0x7F) << shift
        if byte & 0x80 == 0:
            if byte == 0 and shift > 0:
                raise DecodeError("a varint is not in its shortest form")
            return result, position
        shift += 7


def unzigzag(value):
    return (value >> 1) ^ -(value & 1)


def zigzag(value):
    return ((value << 1) ^ (value >> 63)) & 0xFFFFFFFFFFFFFFFF


def varint_bytes(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def to_int64(value):
    return value - (1 << 64) if value >= (1 << 63) else value


class Event:
    __slots__ = ("sequence", "recorded_at", "type", "source", "person", "fields", "hash", "person_number", "version",
                 "stream_distance")

    def __init__(self, sequence, recorded_at, type_code, source, person, fields, hash_bytes, person_number=None,
                 version=1, stream_distance=None):
        self.version = version  # the record's first byte
        self.person_number = person_number  # header field 7 of a record of version 2 or 3, if present
        # Header field 8 of a record of version 3, if present: sequence minus the sequence of the event
        # before it in its person's stream.
        self.stream_distance = stream_distance
        self.sequence = sequence
        self.recorded_at = recorded_at
        self.type = type_code
        self.source = source
        self.person = person
        self.fields = fields  # dict: field number -> value, inserted in ascending order
        self.hash = hash_bytes

    @property
    def name(self):
        return TYPES[self.type][0]

    def word(self, number):
        value = self.fields.get(number)
        return None if value is None else WORDS[number][value]


class Body:
    def __init__(self, data, start, end):
        self.data, self.position, self.end = data, start, end

    def at_end(self):
        return self.position >= self.end

    def peek_number(self):
        try:
            key, _ = read_varint(self.data, self.position, self.end)
        except DecodeError:
            return None
        return key >> 3

    def tag(self):
        key, self.position = read_varint(self.data, self.position, self.end)
        if key >> 3 > 0x7FFFFFFF:
            raise DecodeError("a field number is out of range")
        return key >> 3, key & 7

    def varint(self):
        value, self.position = read_varint(self.data, self.position, self.end)
        return value

    def chunk(self):
        length = self.varint()
        if length > self.end - self.position:
            raise DecodeError("a length runs past the record")
        start = self.position
        self.position += length
        return self.data[start:self.position]

    def text(self, number):
        try:
            return self.chunk().decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("field %d is not valid UTF-8" % number)

    def expect(self, number, wire_type):
        found = self.peek_number()
        if found != number:
            raise DecodeError("expected field %d, found %s" % (number, "the end" if found is None else found))
        _, wire = self.tag()
        if wire != wire_type:
            raise DecodeError("field %d has the wrong wire type" % number)


def stored_hash_bytes(version):
    """The bytes after a record's body: its chain hash in versions 1 to 3, none in version 4."""
    return HASH_BYTES if 1 <= version <= 3 else 0


def decode_record(record):
    """formatVersion ‖ body (‖ hash, versions 1 to 3) -> Event, refusing anything not canonical. The
    event's hash is the one the record holds; None from version 4 (the reader of the log chains it)."""
    if len(record) <= 1:
        raise DecodeError("record of %d bytes is shorter than a header" % len(record))
    if record[0] not in FORMAT_VERSIONS:
        raise DecodeError("unknown format version %d" % record[0])
    version = record[0]
    trailing = stored_hash_bytes(version)
    if len(record) <= 1 + trailing:
        raise DecodeError("record of %d bytes is shorter than a header and a hash" % len(record))
    coded_reasons = version >= 2
    body = Body(record, 1, len(record) - trailing)
    body.expect(1, 0)
    sequence = body.varint()
    body.expect(2, 0)
    recorded_at = to_int64(body.varint())
    body.expect(3, 0)
    code = body.varint()
    if code not in TYPES:
        raise DecodeError("unknown event type %d" % code)
    source = None
    if body.peek_number() == 4:
        body.expect(4, 2)
        system = body.text(4)
        body.expect(5, 2)
        source = (system, body.text(5))
    person = None
    if body.peek_number() == 6:
        body.expect(6, 2)
        person = body.text(6)
    person_number = None
    if coded_reasons and person is not None and body.peek_number() == 7:
        body.expect(7, 0)
        person_number = body.varint()
        if person_number >= 1 << 32:
            raise DecodeError("field 7 holds a value out of range")
    stream_distance = None
    if version >= 3 and person_number is not None and code != 3 and body.peek_number() == 8:
        body.expect(8, 0)
        stream_distance = body.varint()
        if not 1 <= stream_distance < sequence:
            raise DecodeError("field 8 holds a value out of range")
    schema = TYPES[code][2]
    fields = {}
    last = 6
    while not body.at_end():
        number, wire = body.tag()
        if number <= last:
            raise DecodeError("field %d is out of ascending order or repeated" % number)
        last = number
        if number not in schema:
            raise DecodeError("field %d does not belong to %s" % (number, TYPES[code][0]))
        kind = FIELDS[number][1]
        if wire != WIRE_TYPE[kind]:
            raise DecodeError("field %d has the wrong wire type" % number)
        if number == REASON_FIELD and coded_reasons:
            value = reason_text(body.chunk())
        elif kind in ("text", "identifier", "residentID"):
            value = body.text(number)
        elif kind == "counts":
            packed = body.chunk()
            value, position = [], 0
            while position < len(packed):
                raw, position = read_varint(packed, position, len(packed))
                value.append(unzigzag(raw))
        elif kind == "symbol":
            value = body.varint()
            if value >= len(WORDS[number]):
                raise DecodeError("field %d holds a value out of range" % number)
        else:
            value = unzigzag(body.varint())
            if kind == "date" and not -(1 << 31) <= value < (1 << 31):
                raise DecodeError("field %d holds a value out of range" % number)
        fields[number] = value
    for number, required in schema.items():
        if required and number not in fields:
            raise DecodeError("required field %d is missing" % number)
    return Event(sequence, recorded_at, code, source, person, fields, bytes(record[-HASH_BYTES:]) if trailing else None,
                 person_number, version, stream_distance)


# ----------------------------------------------------------------------------------------------
# Text forms (§ What `export` and `accumulators` print)
# ----------------------------------------------------------------------------------------------

def civil_from_days(days):
    """(year, month, day) of a count of days since 1970-01-01, proleptic Gregorian."""
    z = days + 719468
    era = z // 146097
    day_of_era = z - era * 146097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_prime = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_prime + 2) // 5 + 1
    month = month_prime + 3 if month_prime < 10 else month_prime - 9
    return year_of_era + era * 400 + (1 if month <= 2 else 0), month, day


def date_text(days):
    year, month, day = civil_from_days(days)
    return "%04d-%02d-%02d" % (year, month, day)


def days_from_civil(year, month, day):
    year -= 1 if month <= 2 else 0
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month - 3 if month > 2 else month + 9) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def time_text(milliseconds):
    days = milliseconds // 86400000
    rest = milliseconds - days * 86400000
    return "%sT%02d:%02d:%02d.%03dZ" % (date_text(days), rest // 3600000, rest // 60000 % 60, rest // 1000 % 60,
                                        rest % 1000)


def money_text(fen):
    magnitude = abs(fen)
    return "%s%d.%02d" % ("-" if fen < 0 else "", magnitude // 100, magnitude % 100)


# § Reasons: each code's words, with {0}, {1}… for its arguments, and the arguments' kinds.
REASONS = {
    0: ("{0}", "t"),
    1: ("the settlement was reversed at sequence {0}; a reversed claim neither accumulates nor gets assistance (RULES.md § 9)", "u"),
    2: ("an ordinary outpatient claim gets no medical assistance; only inpatient and the five outpatient special chronic "
        "diseases do (002 § 三(二); I-2)", ""),
    3: ("no medical assistance policy in force on {0}: the claim is recorded, it neither accumulates nor gets assistance "
        "(002 § 三(二), in force from 2022-08-01; I-3)", "d"),
    4: ("not JC or TP on the settlement date {0} (held: {1}); medical assistance under 002 § 三(二) is for JC and TP", "dc"),
    5: ("not enrolled for insurance year {0}: a claim outside coverage gets no assistance (RULES.md § 5)", "y"),
    6: ("settled on {0}, before coverage starts on {1} (enrolled {2}, {3}; RULES.md § 5)", "dddf"),
    7: ("pending: the waiting period needs parameter {0} in force on {1}, which no published value gives (RULES.md § 6)", "pd"),
    8: ("pending: parameter {0} has no published value on {1}", "pd"),
    9: ("the year's base {0} has not passed the threshold {1} (annual cumulative, 002 § 三(二))", "mm"),
    10: ("the annual cap {0} was already reached (002 § 三(二))", "m"),
    11: ("capped: the annual cap {0} was reached inside this claim", "m"),
    12: ("no tilted assistance policy in force on the application date {0} (002 § 三(三))", "d"),
    13: ("not JC on the application date {0}: tilted assistance is for monitoring objects (002 § 三(三); I-8)", "d"),
    14: ("in-list self-pay after three tiers is {0}, below {1} (002 § 三(三))", "mm"),
    15: ("the year's reimbursement already reaches 90% inpatient and 80% special chronic (002 § 三(三))", ""),
    16: ("the tilted assistance cap {0} was already reached (002 § 三(三); I-4)", "m"),
    17: ("capped at {0}: {1} of the gap to target remains; listed for social assistance referral (002 § 三(三))", "mm"),
    18: ("a second enrolment for insurance year {0}; the first is sequence {1} (重复参保, 000 § 七(二))", "yu"),
    19: ("pending: no contribution standard is published for insurance year {0} (RULES.md § 4)", "y"),
    20: ("pending: parameter {0} has no published value for insurance year {1}", "py"),
    21: ("no subsidised identity on {0}, when the enrolment takes effect", "d"),
}


def reason_text(stored):
    """The words of a reason stored as its code and arguments (a record of version 2 or 3)."""
    def bad():
        return DecodeError("field %d holds a value out of range" % REASON_FIELD)
    try:
        code, position = read_varint(stored, 0, len(stored))
        if code not in REASONS:
            raise bad()
        template, kinds = REASONS[code]
        arguments = []
        for kind in kinds:
            if kind in "tp":  # a parameter name (p) is not checked against RULES.md § 8 here
                length, position = read_varint(stored, position, len(stored))
                if position + length > len(stored):
                    raise bad()
                try:
                    arguments.append(bytes(stored[position:position + length]).decode("utf-8"))
                except UnicodeDecodeError:
                    raise DecodeError("field %d is not valid UTF-8" % REASON_FIELD)
                position += length
                continue
            raw, position = read_varint(stored, position, len(stored))
            if kind == "u":
                arguments.append(str(raw))
            elif kind == "d":
                days = unzigzag(raw)
                if not -(1 << 31) <= days < (1 << 31):
                    raise bad()
                arguments.append(date_text(days))
            elif kind == "y":
                year = unzigzag(raw)
                if not 0 <= year <= 9999:
                    raise bad()
                arguments.append(str(year))
            elif kind == "m":
                arguments.append(money_text(unzigzag(raw)))
            elif kind == "f":
                if raw > 1:
                    raise bad()
                arguments.append("no waiting period" if raw else "waiting period applies")
            elif kind == "c":
                if raw > len(CATEGORIES):
                    raise bad()
                held = []
                for _ in range(raw):
                    category, position = read_varint(stored, position, len(stored))
                    if category >= len(CATEGORIES):
                        raise bad()
                    held.append(CATEGORIES[category])
                arguments.append(", ".join(held) if held else "no identity")
        if position != len(stored):
            raise bad()
    except DecodeError as error:
        if "UTF-8" in str(error):
            raise
        raise bad()
    return template.format(*arguments)


def json_string(text):
    out = ['"']
    for character in text:
        if character == '"':
            out.append('\\"')
        elif character == "\\":
            out.append("\\\\")
        elif character == "\n":
            out.append("\\n")
        elif character == "\r":
            out.append("\\r")
        elif character == "\t":
            out.append("\\t")
        elif ord(character) < 0x20:
            out.append("\\u%04x" % ord(character))
        else:
            out.append(character)
    out.append('"')
    return "".join(out)


def json_value(number, value):
    kind = FIELDS[number][1]
    if kind in ("text", "identifier", "residentID"):
        return json_string(value)
    if kind == "date":
        return json_string(date_text(value))
    if kind == "money":
        return json_string(money_text(value))
    if kind in ("year", "count"):
        return str(value)
    if kind == "regionCode":
        return json_string(str(value))
    if kind == "symbol":
        return json_string(WORDS[number][value])
    return "[" + ",".join(str(item) for item in value) + "]"  # counts


def export_line(event):
    parts = ['"type":' + json_string(event.name)]
    if event.source is not None:
        parts.append('"source":{"system":%s,"key":%s}' % (json_string(event.source[0]), json_string(event.source[1])))
    if event.person is not None:
        parts.append('"person":' + json_string(event.person))
    for number, value in event.fields.items():
        parts.append(json_string(FIELDS[number][0]) + ":" + json_value(number, value))
    parts.append('"ledger":{"sequence":%d,"recordedAt":%s,"hash":"%s"}'
                 % (event.sequence, json_string(time_text(event.recorded_at)), event.hash.hex()))
    return "{" + ",".join(parts) + "}"


# ----------------------------------------------------------------------------------------------
# Accumulators (§ Projections)
# ----------------------------------------------------------------------------------------------

ACCUMULATOR_NUMBERS = 34
INPATIENT, CHRONIC = 0, 1
KIND_INDEX = {0: INPATIENT, 1: CHRONIC}  # claim kind word index -> figure index; outpatient (2): none


class Accumulator:
    def __init__(self, person, year):
        self.person = person
        self.year = year
        self.base = 0
        self.granted = 0
        self.tilted = 0
        self.in_list = [0, 0]
        self.basic = [0, 0]
        self.critical = [0, 0]
        self.assistance = [0, 0]
        self.total = 0
        self.basic_all = 0
        self.critical_all = 0
        self.months = [0] * 12
        self.claims = 0
        self.applications = 0
        self.shortfall = 0
        self.standard = None
        self.subsidy = 0
        self.paid = 0
        self.refunded = 0

    def numbers(self):
        numbers = [self.year, self.base, self.granted, self.tilted]
        for index in (INPATIENT, CHRONIC):
            numbers += [self.in_list[index], self.basic[index], self.critical[index], self.assistance[index]]
        numbers += [self.total, self.basic_all, self.critical_all] + self.months
        numbers += [self.claims, self.applications, self.shortfall, -1 if self.standard is None else self.standard,
                    self.subsidy, self.paid, self.refunded]
        return numbers

    def encode(self):
        person = self.person.encode("utf-8")
        return varint_bytes(len(person)) + person + b"".join(varint_bytes(zigzag(n)) for n in self.numbers())

    @staticmethod
    def decode(value):
        length, position = read_varint(value, 0, len(value))
        if length > len(value) - position:
            raise DecodeError("the person id runs past the value")
        try:
            person = bytes(value[position:position + length]).decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("the person id is not valid UTF-8")
        position += length
        numbers = []
        while position < len(value):
            raw, position = read_varint(value, position, len(value))
            numbers.append(unzigzag(raw))
        if len(numbers) != ACCUMULATOR_NUMBERS:
            raise DecodeError("%d numbers where %d belong" % (len(numbers), ACCUMULATOR_NUMBERS))
        accumulator = Accumulator(person, numbers[0])
        accumulator.base, accumulator.granted, accumulator.tilted = numbers[1:4]
        for index, offset in ((INPATIENT, 4), (CHRONIC, 8)):
            accumulator.in_list[index], accumulator.basic[index], accumulator.critical[index], \
                accumulator.assistance[index] = numbers[offset:offset + 4]
        accumulator.total, accumulator.basic_all, accumulator.critical_all = numbers[12:15]
        accumulator.months = numbers[15:27]
        accumulator.claims, accumulator.applications, accumulator.shortfall = numbers[27:30]
        accumulator.standard = None if numbers[30] < 0 else numbers[30]
        accumulator.subsidy, accumulator.paid, accumulator.refunded = numbers[31:34]
        return accumulator

    def absorb(self, other):
        self.base += other.base
        self.granted += other.granted
        self.tilted += other.tilted
        for index in (INPATIENT, CHRONIC):
            self.in_list[index] += other.in_list[index]
            self.basic[index] += other.basic[index]
            self.critical[index] += other.critical[index]
            self.assistance[index] += other.assistance[index]
        self.total += other.total
        self.basic_all += other.basic_all
        self.critical_all += other.critical_all
        self.months = [a + b for a, b in zip(self.months, other.months)]
        self.claims += other.claims
        self.applications += other.applications
        self.shortfall += other.shortfall
        if self.standard is None:
            self.standard = other.standard
        self.subsidy += other.subsidy
        self.paid += other.paid
        self.refunded += other.refunded

    def add_claim(self, claim, sign):
        total, basic, critical = (sign * claim.fields[n] for n in (43, 45, 46))
        self.total += total
        self.basic_all += basic
        self.critical_all += critical
        index = KIND_INDEX.get(claim.fields[37])
        if index is not None:
            self.in_list[index] += sign * claim.fields[44]
            self.basic[index] += basic
            self.critical[index] += critical
        self.months[civil_from_days(claim.fields[42])[1] - 1] += total - basic - critical

    def to_json(self, category):
        def pair(values):
            return '{"inpatient":"%s","outpatientSpecialChronic":"%s"}' % (money_text(values[0]), money_text(values[1]))
        self_pay = sum(self.in_list[k] - self.basic[k] - self.critical[k] - self.assistance[k] for k in (0, 1))
        burden = self.total - self.basic_all - self.critical_all - self.granted - self.tilted
        parts = ['"person":' + json_string(self.person), '"year":%d' % self.year, '"category":' + json_string(category),
                 '"assistanceBase":"%s"' % money_text(self.base), '"assistanceGranted":"%s"' % money_text(self.granted),
                 '"tiltedGranted":"%s"' % money_text(self.tilted), '"inListCost":' + pair(self.in_list),
                 '"basicPaid":' + pair(self.basic), '"criticalPaid":' + pair(self.critical),
                 '"assistancePaid":' + pair(self.assistance), '"selfPayAfterThreeTiers":"%s"' % money_text(self_pay),
                 '"personalBurden":"%s"' % money_text(burden), '"totalCost":"%s"' % money_text(self.total),
                 '"claims":%d' % self.claims, '"applications":%d' % self.applications]
        if self.standard is not None:
            parts.append('"contributionStandard":"%s"' % money_text(self.standard))
        parts.append('"contributionSubsidy":"%s"' % money_text(self.subsidy))
        parts.append('"contributionPaid":"%s"' % money_text(self.paid - self.refunded))
        if self.standard is not None:
            parts.append('"contributionOwed":"%s"' % money_text(self.standard - self.subsidy - self.paid + self.refunded))
        return "{" + ",".join(parts) + "}"


def subject_of(event):
    """§ Decisions: ('claim', id) / ('application', seq) / ('enrollment', seq), or None."""
    fields = event.fields
    if event.type == 33:
        kind = "claim"
    elif event.type == 35:
        kind = "application"
    elif event.type == 32:
        kind = "enrollment"
    elif event.type == 34:
        kind = event.word(95)
    else:
        return None
    if kind == "claim":
        return None if 36 not in fields else ("claim", fields[36])
    return None if 96 not in fields else (kind, fields[96])


def year_of(event, settlements_by_claim):
    """§ The fold, step 3."""
    fields = event.fields
    code = event.type
    if code in (9, 33):
        return civil_from_days(fields[42])[0] if 42 in fields else None
    if code == 10:
        settlement = settlements_by_claim.get(fields[36])
        return None if settlement is None else civil_from_days(settlement.fields[42])[0]
    if code in (11, 35):
        return fields.get(48)
    if code in (6, 7, 8, 32):
        return fields.get(29)
    if code == 34:
        if 42 in fields:
            return civil_from_days(fields[42])[0]
        return fields[48] if 48 in fields else fields.get(29)
    return None


def apply_event(accumulator, event, settlements_by_claim):
    fields = event.fields
    code = event.type
    if code == 9:
        accumulator.add_claim(event, 1)
        accumulator.claims += 1
    elif code == 10:
        accumulator.add_claim(settlements_by_claim[fields[36]], -1)
        accumulator.claims -= 1
    elif code == 11:
        accumulator.applications += 1
    elif code == 7:
        accumulator.paid += fields[33]
    elif code == 8:
        accumulator.refunded += fields[33]
    elif code in DECISION_TYPES:
        subject = subject_of(event)
        amount = fields.get(33, 0)
        if subject is None:
            return
        if subject[0] == "claim":
            accumulator.granted += amount
            accumulator.base += fields.get(83, 0)
            index = KIND_INDEX.get(fields.get(37))
            if index is not None:
                accumulator.assistance[index] += amount
            if 42 in fields:
                accumulator.months[civil_from_days(fields[42])[1] - 1] -= amount
        elif subject[0] == "application":
            accumulator.tilted += amount
            accumulator.assistance[INPATIENT] += fields.get(87, 0)
            accumulator.assistance[CHRONIC] += fields.get(88, 0)
            accumulator.shortfall = fields.get(89, 0)
            month = 12
            if 49 in fields:
                applied_year, applied_month, _ = civil_from_days(fields[49])
                month = applied_month if applied_year == accumulator.year else 12
            accumulator.months[month - 1] -= amount
        else:
            if 90 in fields:
                accumulator.standard = fields[90]
            accumulator.subsidy += amount


def accumulator_key(number, year):
    return number.to_bytes(4, "big") + year.to_bytes(2, "big")


# ----------------------------------------------------------------------------------------------
# The ledger
# ----------------------------------------------------------------------------------------------

DATABASES = ["log", "persons", "personNumbers", "streamLinks", "streams", "sources", "sourceKeys", "systems", "claims",
             "merges", "policies", "personYears", "idNumbers", "accumulators.0", "accumulators.1", "meta", "chain"]


class Reader:
    def __init__(self, path):
        self.path = path
        self.problems = []
        self.summary = []
        self.events = []  # decoded, in log order (index = sequence - 1 when the log has no gaps)
        self.by_sequence = {}

    def problem(self, database, reason, sequence=None):
        where = "ledger" if sequence is None else "sequence %d" % sequence
        self.problems.append("%s [%s]: %s" % (where, database, reason))

    # -- reading -------------------------------------------------------------------------------

    def load(self):
        if not os.path.exists(os.path.join(self.path, "data.mdb")):
            raise SystemExit(self.fatal("no ledger at %s (no data.mdb)" % self.path))
        environment = lmdb.open(self.path, readonly=True, lock=False, max_dbs=32, subdir=True)
        self.tables = {}
        with environment.begin() as transaction:
            for name in DATABASES:
                try:
                    database = environment.open_db(name.encode(), txn=transaction, create=False)
                except lmdb.NotFoundError:
                    self.tables[name] = None
                    continue
                self.tables[name] = list(transaction.cursor(db=database))
        environment.close()
        self.meta = dict((self.tables["meta"] or []))
        self.format = FORMAT_MARKERS.get(self.meta.get(b"format"), 2)
        # Format 5: sources under their systems' numbers, and a claim's entry without a reversal of 0.
        self.sources_by_number = self.meta.get(b"format") in SOURCES_BY_NUMBER
        self.chained = self.meta.get(b"format") == CHAINED
        # Format 2 has no `streams` (or, upgraded from format 1, an empty one); format 1 no `streamLinks`.
        # Format 5 has no `sources` (or, upgraded, an empty one); the formats before it no `sourceKeys`
        # and `systems`.
        optional = {"idNumbers", "streams" if self.format == 2 else "streamLinks"}
        optional |= {"sources"} if self.sources_by_number else {"sourceKeys", "systems"}
        optional |= set() if self.chained else {"chain"}
        for name in DATABASES:
            if self.tables[name] is None and name not in optional:
                self.problem(name, "the database is missing")
            if self.tables[name] is None:
                self.tables[name] = []

    @staticmethod
    def fatal(message):
        sys.stderr.write("format_reader: %s\n" % message)
        return 2

    # -- the log and the chain ----------------------------------------------------------------

    def read_log(self):
        previous = bytes(HASH_BYTES)
        # § The event record: after a gap, a record too short or of an unknown version, a record of
        # version 4 reported for anything, or a `chain` entry found wrong, the chain is not known
        # until the next hash the ledger holds (a record's of version 1 to 3, `chain`'s), which it
        # goes on from unchecked: one fault, one report.
        known = True
        alternative = None  # the hash the last record's bytes give, when it holds another
        held = dict(self.tables["chain"] or []) if self.chained else {}
        checkpoints = {}  # the `chain` entries the walk looked up and found
        last_sequence = 0
        last_time = None
        newest_version = 0  # versions never go back along a log (§ The event record)
        for key, record in self.tables["log"]:
            if len(key) != 8:
                self.problem("log", "a key of %d bytes is not a sequence" % len(key))
                continue
            sequence = int.from_bytes(key, "big")
            if sequence != last_sequence + 1:
                self.problem("log", "follows sequence %d: the log has a gap" % last_sequence, sequence)
                known = False
            last_sequence = sequence
            # The chain, one record on.
            alternative = None
            holds_hash = False
            too_short = len(record) <= 1 or len(record) <= 1 + stored_hash_bytes(record[0])
            if too_short or record[0] not in FORMAT_VERSIONS or (stored_hash_bytes(record[0]) and newest_version >= 4):
                known = False  # reported below
            else:
                trailing = stored_hash_bytes(record[0])
                computed = hashlib.sha256(previous + record[:len(record) - trailing]).digest()
                if trailing:
                    holds_hash = True
                    stored = record[-HASH_BYTES:]
                    if known and computed != stored:
                        self.problem("log", "hash does not match the previous hash, the format byte and the body", sequence)
                        alternative = computed
                    previous, known = stored, True
                else:
                    previous = computed
            # The record itself.
            problems_before = len(self.problems)
            event = self.read_record(sequence, record, too_short, newest_version, last_time)
            if not too_short:
                newest_version = max(newest_version, record[0])
            if event is not None:
                event.hash = previous
                last_time = event.recorded_at
                self.events.append(event)
                self.by_sequence[sequence] = event
            if not holds_hash and len(self.problems) > problems_before:
                known = False
            # The hash `chain` holds at a multiple of 64.
            if self.chained and sequence > 0 and sequence % CHAIN_INTERVAL == 0:
                if key not in held:
                    self.problem("chain", "holds no hash for this sequence", sequence)
                    continue
                checkpoints[sequence] = held[key]
                if len(held[key]) != HASH_BYTES:
                    self.problem("chain", "holds %d bytes, not a hash" % len(held[key]), sequence)
                elif not known or held[key] == alternative:
                    previous, known = held[key], True
                elif held[key] != previous:
                    self.problem("chain", "holds a hash the log's events up to here do not give", sequence)
                    known = False
        self.last_sequence = last_sequence
        self.last_hash = previous
        self.chain_known = known
        self.last_alternative = alternative
        self.checkpoints = checkpoints
        self.last_time = last_time if last_time is not None else 0

    def read_record(self, sequence, record, too_short, newest_version, last_time):
        """Everything the log says of one record but its place in the chain; its event, if it decodes."""
        if too_short:
            self.problem("log", "record of %d bytes is too short" % len(record), sequence)
            return None
        if record[0] < newest_version:
            self.problem("log", "a record of version %d after one of version %d" % (record[0], newest_version), sequence)
        if record[0] >= 4 and not self.chained:
            self.problem("log", "a record of version %d in a ledger of a format that holds none" % record[0], sequence)
        try:
            event = decode_record(record)
        except DecodeError as error:
            self.problem("log", "does not decode: %s" % error, sequence)
            return None
        if event.sequence != sequence:
            self.problem("log", "carries sequence %d under key %d" % (event.sequence, sequence), sequence)
        if last_time is not None and event.recorded_at < last_time:
            self.problem("log", "recorded before the event before it", sequence)
        return event

    # -- meta -----------------------------------------------------------------------------------

    def check_meta(self):
        meta = self.meta
        known = {b"format", b"head", b"counts", b"projection.generation", b"projection.checkpoint",
                 b"index.idNumbers", b"rebuild.progress"}
        for key in meta:
            if key not in known:
                self.problem("meta", "unknown key %r" % key)
        if meta.get(b"format") not in FORMAT_MARKERS:
            self.problem("meta", "format is %r, not one of %r" % (meta.get(b"format"), sorted(FORMAT_MARKERS)))
        head = meta.get(b"head")
        if head is None or len(head) != 48:
            self.problem("meta", "head is not 48 bytes")
        else:
            sequence = int.from_bytes(head[:8], "big")
            if sequence != self.last_sequence:
                self.problem("meta", "head names sequence %d, the log ends at %d" % (sequence, self.last_sequence))
            if (self.chain_known and sequence == self.last_sequence and head[8:40] != self.last_hash
                    and head[8:40] != self.last_alternative):
                self.problem("meta", "head hash differs from the last event's hash")
            if to_int64(int.from_bytes(head[40:48], "big")) != self.last_time:
                self.problem("meta", "head recorded time differs from the last event's")
        counts = meta.get(b"counts")
        expected = [0] * 64
        for event in self.events:
            expected[event.type % 64] += 1
        if counts is None or len(counts) != 512:
            self.problem("meta", "counts is not 512 bytes")
        else:
            stored = [int.from_bytes(counts[8 * slot:8 * slot + 8], "big") for slot in range(64)]
            if stored != expected:
                self.problem("meta", "event counts per type differ from the log")
        self.counts = expected
        generation = meta.get(b"projection.generation", b"")
        if len(generation) > 1 or (generation and generation[0] not in (0, 1)):
            self.problem("meta", "projection.generation is not one byte 0 or 1")
        self.generation = generation[0] if generation else 0
        checkpoint = meta.get(b"projection.checkpoint")
        checkpoint = int.from_bytes(checkpoint, "big") if checkpoint is not None and len(checkpoint) == 8 else 0
        if checkpoint != self.last_sequence:
            self.problem("meta", "projection.checkpoint is %d, the head %d" % (checkpoint, self.last_sequence))
        marker = meta.get(b"index.idNumbers")
        if marker is not None and marker != b"\x01":
            self.problem("meta", "index.idNumbers is not the one byte 1")
        if marker is not None and self.tables["idNumbers"] is None:
            self.problem("idNumbers", "meta has index.idNumbers but the database is missing")
        self.has_id_index = marker is not None and self.tables["idNumbers"] is not None
        progress = meta.get(b"rebuild.progress")
        self.rebuild = None
        if progress is not None:
            if len(progress) != 9 or progress[0] not in (0, 1):
                self.problem("meta", "rebuild.progress is not generation (0 or 1) ‖ u64")
            else:
                self.rebuild = (progress[0], int.from_bytes(progress[1:], "big"))
                if progress[0] == self.generation:
                    self.problem("meta", "rebuild.progress targets the live generation %d" % progress[0])

    # -- indexes ---------------------------------------------------------------------------------

    def expected_indexes(self):
        """Every index entry the log implies (§ The environment)."""
        be4 = lambda n: n.to_bytes(4, "big")
        be8 = lambda n: n.to_bytes(8, "big")
        persons = {}  # id -> [number, version, mergedInto, newest sequence of its stream]
        numbers = {}
        streams, sources, claims, merges, policies, person_years, id_numbers = {}, {}, {}, {}, {}, {}, {}
        systems = {}  # format 5: each system's number, in the order of its first event along the log

        def next_in_stream(entry, event):
            """The event joins the stream of `entry`'s person. A record of version 3 that is no merge holds
            its link as field 8 (§ Body header) and has no `streamLinks` entry; a merge, in two streams,
            keeps its two entries whatever its version."""
            sequence = event.sequence
            entry[1] += 1
            linked_in_record = event.version >= 3 and event.type != 3 and event.person_number is not None
            if linked_in_record:
                distance = sequence - entry[3] if entry[3] else None
                if event.stream_distance != distance:
                    self.problem("log", "field 8 holds %s where the event before it in %s's stream is %s"
                                 % ("nothing" if event.stream_distance is None else event.stream_distance,
                                    numbers[entry[0]], "none" if distance is None else "%d back" % distance),
                                 sequence)
            if self.format == 2:
                if not linked_in_record:
                    streams[be8(sequence) + be4(entry[0])] = be8(entry[3])
            else:
                streams[be4(entry[0]) + be4(entry[1])] = be8(sequence)
            entry[3] = sequence

        for event in self.events:
            sequence = event.sequence
            if event.source is not None:
                system, key = event.source
                if "\0" in system or "\0" in key:
                    self.problem("sources", "source system or key holds NUL", sequence)
                if self.sources_by_number:
                    number = systems.setdefault(system, len(systems) + 1)
                    sources[varint_bytes(number) + key.encode()] = be8(sequence)
                else:
                    sources[system.encode() + b"\0" + key.encode()] = be8(sequence)
            elif is_input(event.type):
                self.problem("log", "an input event without a source", sequence)
            if event.source is not None and not is_input(event.type):
                self.problem("log", "a %s carries a source" % event.name, sequence)
            if event.type == 13:
                policies[be8(sequence)] = b""
            has_person = event.type not in (12, 13)
            if (event.person is not None) != has_person:
                self.problem("log", "a %s %s a person" % (event.name, "lacks" if has_person else "carries"), sequence)
            if event.person is None:
                continue
            person = event.person
            if event.type == 1:
                if person in persons:
                    self.problem("log", "%s is registered twice" % person, sequence)
                else:
                    number = len(persons) + 1
                    persons[person] = [number, 0, 0, 0]
                    numbers[number] = person
            entry = persons.get(person)
            if entry is None:
                self.problem("log", "event of unregistered person %s" % person, sequence)
                continue
            if event.person_number is not None and event.person_number != entry[0]:
                self.problem("log", "holds person number %d where %s is number %d" % (event.person_number, person, entry[0]),
                             sequence)
            if 16 in event.fields:
                id_numbers.setdefault(event.fields[16].encode() + b"\0" + be4(entry[0]), be8(sequence))
            next_in_stream(entry, event)
            year = None
            if event.type == 9:
                year = civil_from_days(event.fields[42])[0]
            elif event.type == 6:
                year = event.fields[29]
            elif event.type == 11:
                year = event.fields[48]
            if year is not None:
                person_years[year.to_bytes(2, "big") + be4(entry[0])] = person.encode()
            if event.type == 3:
                survivor = persons.get(event.fields[23])
                if survivor is None:
                    self.problem("log", "merge into unknown person %s" % event.fields[23], sequence)
                else:
                    next_in_stream(survivor, event)
                    merges[be4(survivor[0]) + be4(entry[0])] = be8(sequence) + person.encode()
                    entry[2] = survivor[0]
            elif event.type == 9:
                claims[event.fields[36].encode()] = [sequence, 0]
            elif event.type == 10:
                claim = claims.get(event.fields[36].encode())
                if claim is None:
                    self.problem("log", "reversal of unknown claim %s" % event.fields[36], sequence)
                else:
                    claim[1] = sequence
        self.persons = {person: tuple(entry) for person, entry in persons.items()}
        self.person_ids = numbers
        expected = {
            "persons": {p.encode(): be4(e[0]) + be4(e[1]) + be4(e[2]) + (be8(e[3]) if self.format == 2 else b"")
                        for p, e in persons.items()},
            "personNumbers": {be4(n): p.encode() for n, p in numbers.items()},
            "streamLinks" if self.format == 2 else "streams": streams,
            "sourceKeys" if self.sources_by_number else "sources": sources,
            # Format 5 drops a reversal's sequence of 0 (no reversal); the formats before it hold it.
            "claims": {c: be8(s) + (be8(r) if r or not self.sources_by_number else b"") for c, (s, r) in claims.items()},
            "merges": merges,
            "policies": policies,
            "personYears": person_years,
        }
        if self.sources_by_number:
            expected["systems"] = {system.encode(): be4(number) for system, number in systems.items()}
        if self.has_id_index:
            expected["idNumbers"] = id_numbers
        return expected

    def compare(self, name, expected):
        actual = dict(self.tables[name] or [])
        missing = [key for key in expected if key not in actual]
        extra = [key for key in actual if key not in expected]
        differing = [key for key in expected if key in actual and actual[key] != expected[key]]
        for label, keys in (("missing", missing), ("not implied by the log", extra), ("pointing elsewhere", differing)):
            if keys:
                self.problem(name, "%d entries %s, first key %s" % (len(keys), label, keys[0].hex()))
        # Keys must come in byte order (LMDB's default comparison).
        keys = [key for key, _ in self.tables[name] or []]
        if keys != sorted(keys):
            self.problem(name, "keys are not in byte order")
        return len(actual)

    def check_indexes(self):
        if self.format == 2 and self.tables["streams"]:
            self.problem("streams", "holds entries in a ledger of format 2")
        if self.sources_by_number and self.tables["sources"]:
            self.problem("sources", "holds entries in a ledger of format 5")
        if not self.chained and self.tables["chain"]:
            self.problem("chain", "holds entries in a ledger of a format before 6")
        if self.chained:
            # An entry at every multiple of CHAIN_INTERVAL the log holds (their hashes checked by
            # read_log), and at no other key.
            expected = {sequence.to_bytes(8, "big"): digest for sequence, digest in self.checkpoints.items()}
            # One at a multiple the log lacks is left to the gap, reported there.
            for key, digest in self.tables["chain"]:
                at = int.from_bytes(key, "big") if len(key) == 8 else None
                if at and at % CHAIN_INTERVAL == 0 and at <= self.last_sequence and at not in self.checkpoints:
                    expected[key] = digest
            self.summary.append("index chain %s" % ("ok %d" % len(expected) if self.compare("chain", expected) == len(expected)
                                                 and not any("[chain]" in p for p in self.problems) else "FAILED"))
        for name, expected in self.expected_indexes().items():
            count = self.compare(name, expected)
            self.summary.append("index %s ok %d" % (name, count) if not any("[%s]" % name in p for p in self.problems)
                                else "index %s FAILED" % name)
        if not self.has_id_index:
            self.summary.append("index idNumbers not checked (meta has no index.idNumbers)")

    # -- decisions --------------------------------------------------------------------------------

    def check_decisions(self):
        """§ Decisions: each follows its cause; adjustments cite the first decision on their subject."""
        cause = None
        first = {}  # subject -> (first sequence, net grant)
        merged_into = {}  # person id -> survivor id, as the merges so far say
        checked = 0

        def survivor(person):
            while person in merged_into:
                person = merged_into[person]
            return person

        settlements = {e.fields[36]: e for e in self.events if e.type == 9}
        for event in self.events:
            if is_input(event.type):
                cause = event
                if event.type == 3 and event.person is not None:
                    merged_into[event.person] = event.fields[23]
                continue
            if event.type not in DECISION_TYPES:
                cause = None  # an access record: no decision may follow it
                continue
            checked += 1
            sequence = event.sequence
            fields = event.fields
            if cause is None or fields[64] != cause.sequence:
                self.problem("decisions", "cause %d is not the input event it follows" % fields[64], sequence)
            elif event.recorded_at != cause.recorded_at:
                self.problem("decisions", "recorded at another time than its cause", sequence)
            subject = subject_of(event)
            if subject is None:
                self.problem("decisions", "names no subject", sequence)
                continue
            if subject[0] == "claim":
                settlement = settlements.get(subject[1])
                if settlement is None or settlement.sequence > sequence or survivor(settlement.person) != event.person:
                    self.problem("decisions", "claim %s is no settlement of %s or a person merged into it"
                                 % (subject[1], event.person), sequence)
            else:
                decided = self.by_sequence.get(subject[1])
                wanted = 11 if subject[0] == "application" else 6
                # The subject may be a fact of a person merged into the decision's person.
                if decided is None or decided.type != wanted or survivor(decided.person) != event.person:
                    self.problem("decisions", "subjectSequence %d is no %s of %s or a person merged into it"
                                 % (subject[1], TYPES[wanted][0], event.person), sequence)
            for policy in fields.get(68, []):
                if policy not in self.by_sequence or self.by_sequence[policy].type != 13:
                    self.problem("decisions", "parameter %d is no policy.published" % policy, sequence)
            if 70 in fields and (fields[70] not in self.by_sequence or self.by_sequence[fields[70]].type != 4):
                self.problem("decisions", "identityEvent %d is no identity.recognized" % fields[70], sequence)
            recorded = first.get(subject)
            if event.type == 34:
                if recorded is None or fields[81] != recorded[0]:
                    self.problem("decisions", "adjusts %d, not the first decision on its subject" % fields[81], sequence)
                if recorded is not None and recorded[1] + fields[33] != fields[80]:
                    self.problem("decisions", "grant is not the previous grant plus amount", sequence)
            else:
                if recorded is not None:
                    self.problem("decisions", "a second first decision on one subject", sequence)
                if event.type != FIRST_DECISION[subject[0]]:
                    self.problem("decisions", "a %s about a %s" % (event.name, subject[0]), sequence)
                if fields[33] != fields[80]:
                    self.problem("decisions", "a first decision's amount differs from its grant", sequence)
            first[subject] = (recorded[0] if recorded else sequence, fields[80])
        self.summary.append("decisions ok %d" % checked if not any("[decisions]" in p for p in self.problems)
                            else "decisions FAILED")

    # -- accumulators -------------------------------------------------------------------------------

    def fold(self):
        """§ The fold: the accumulators the log implies, by key."""
        store = {}
        settlements = {}
        for event in self.events:
            if event.type == 9:
                settlements.setdefault(event.fields[36], event)
            if event.person is None or event.person not in self.persons:
                continue
            number = self.persons[event.person][0]
            if event.type == 3:
                survivor_id = event.fields[23]
                if survivor_id not in self.persons:
                    continue
                survivor = self.persons[survivor_id][0]
                prefix = number.to_bytes(4, "big")
                for key in sorted(k for k in store if k[:4] == prefix):
                    moved = store.pop(key)
                    target = accumulator_key(survivor, moved.year)
                    into = store.get(target) or Accumulator(survivor_id, moved.year)
                    into.absorb(moved)
                    store[target] = into
                continue
            year = year_of(event, settlements)
            if year is None:
                continue
            key = accumulator_key(number, year)
            accumulator = store.get(key) or Accumulator(event.person, year)
            apply_event(accumulator, event, settlements)
            store[key] = accumulator
        return store

    def check_accumulators(self):
        live_name = "accumulators.%d" % self.generation
        self.live = {}
        for key, value in self.tables[live_name]:
            try:
                accumulator = Accumulator.decode(value)
            except DecodeError as error:
                self.problem(live_name, "entry %s does not decode: %s" % (key.hex(), error))
                continue
            if len(key) != 6 or int.from_bytes(key[4:], "big") != accumulator.year:
                self.problem(live_name, "key %s does not end with the year %d" % (key.hex(), accumulator.year))
            elif self.person_ids.get(int.from_bytes(key[:4], "big")) != accumulator.person:
                self.problem(live_name, "key %s names another person than %s" % (key.hex(), accumulator.person))
            if accumulator.encode() != value:
                self.problem(live_name, "entry %s is not in its canonical encoding" % key.hex())
            self.live[key] = accumulator
        folded = {key: accumulator.encode() for key, accumulator in self.fold().items()}
        before = len(self.problems)
        self.compare(live_name, folded)
        self.summary.append("%s (live) %s %d" % (live_name, "ok" if len(self.problems) == before else "FAILED",
                                                 len(self.tables[live_name])))
        spare = "accumulators.%d" % (1 - self.generation)
        state = "rebuild under way to %d" % self.rebuild[1] if self.rebuild else "spare"
        self.summary.append("%s (%s) %d" % (spare, state, len(self.tables[spare])))

    def digest(self):
        """§ The projection digest."""
        hasher = hashlib.sha256()
        for key in sorted(self.live):
            value = self.live[key].encode()
            hasher.update(varint_bytes(zigzag(len(key))) + key + varint_bytes(zigzag(len(value))) + value)
        return hasher.hexdigest()

    # -- category (§ What `accumulators` prints) ------------------------------------------------------

    def category(self, person, year):
        if person not in self.persons:
            return "none"  # reported by check_accumulators
        if not hasattr(self, "identity_events"):
            self.identity_events = {}  # person number -> its identity events, in log order
            for event in self.events:
                if event.type in (4, 5) and event.person in self.persons:
                    self.identity_events.setdefault(self.persons[event.person][0], []).append(event)
            self.merged_into_survivor = {}  # survivor number -> numbers merged directly into it
            for key, _ in self.tables["merges"]:
                self.merged_into_survivor.setdefault(int.from_bytes(key[:4], "big"), []).append(
                    int.from_bytes(key[4:8], "big"))
        number = self.persons[person][0]
        numbers, pending = {number}, [number]
        while pending:
            for merged in self.merged_into_survivor.get(pending.pop(), []):
                if merged not in numbers:
                    numbers.add(merged)
                    pending.append(merged)
        events = sorted((e for n in numbers for e in self.identity_events.get(n, [])), key=lambda e: e.sequence)
        intervals = []  # [category, validFrom, validTo, sequence]
        for event in events:
            if event.type == 4:
                intervals.append([event.fields[24], event.fields[25], event.fields.get(26), event.sequence])
            else:
                same = [i for i in intervals if i[0] == event.fields[24]]
                if same:
                    max(same, key=lambda i: (i[1], i[3]))[2] = event.fields[26]
        day = days_from_civil(year, 12, 31)
        held = {CATEGORIES[i[0]] for i in intervals if i[1] <= day and (i[2] is None or day <= i[2])}
        for category in ("JC", "TP", "TK", "GE", "SW", "DB", "DBBY"):
            if category in held:
                return category
        return "none"

    # -- all of it ------------------------------------------------------------------------------------

    def check(self):
        self.load()
        self.read_log()
        self.summary.append("events %d" % len(self.events))
        self.check_meta()
        self.summary.append("head %d %s" % (self.last_sequence, self.last_hash.hex()))
        self.summary.append("chain ok" if not any("[log]" in p for p in self.problems) else "chain FAILED")
        self.summary.append("meta ok" if not any("[meta]" in p for p in self.problems) else "meta FAILED")
        self.check_indexes()
        self.check_decisions()
        self.check_accumulators()
        by_type = ",".join("%s:%d" % (TYPES[code][0], self.counts[code % 64]) for code in sorted(TYPES)
                           if self.counts[code % 64])
        self.summary.append("by type " + by_type)


def main(arguments):
    parser = argparse.ArgumentParser(description="Read a caseledger ledger from docs/FORMAT.md alone.")
    parser.add_argument("ledger", help="the ledger directory (data.mdb, lock.mdb)")
    parser.add_argument("mode", nargs="?", default="check", choices=["check", "export", "accumulators", "digest"])
    parser.add_argument("--year", type=int, help="accumulators: only this year")
    options = parser.parse_args(arguments)
    reader = Reader(options.ledger)
    reader.check()
    output = sys.stdout
    if options.mode == "check":
        output.write("\n".join(reader.summary) + "\n")
    elif options.mode == "export":
        for event in reader.events:
            output.write(export_line(event) + "\n")
    elif options.mode == "accumulators":
        categories = {}
        for key in sorted(reader.live):
            accumulator = reader.live[key]
            if options.year is not None and accumulator.year != options.year:
                continue
            label = (accumulator.person, accumulator.year)
            if label not in categories:
                categories[label] = reader.category(accumulator.person, accumulator.year)
            output.write(accumulator.to_json(categories[label]) + "\n")
    elif options.mode == "digest":
        output.write(reader.digest() + "\n")
    output.flush()
    if reader.problems:
        for problem in reader.problems:
            sys.stderr.write("FAILED %s\n" % problem)
        sys.stderr.write("format_reader: %d problem%s in %s\n"
                         % (len(reader.problems), "" if len(reader.problems) == 1 else "s", options.ledger))
        return 1
    if options.mode == "check":
        output.write("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
