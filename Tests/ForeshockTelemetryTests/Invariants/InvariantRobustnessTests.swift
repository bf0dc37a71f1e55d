import ForeshockTelemetry
import ForeshockTestSupport
import Testing

/// Randomised inputs: the parser must answer (a rule or an error with a column inside the text)
/// quickly for any text, and evaluation must answer for any span.
@Suite struct InvariantRobustnessTests {
    typealias F = InvariantFixture

    static let tokens = [
        "attr[\"a\"]", "attr[\"b\"]", "resource[\"service.name\"]", "span.name", "span.kind", "span.status",
        "span.duration_ms", "service.name", "span.", "attr[", "\"a\"", "\"server\"", "\"\\n\"", "\"", "1", "-2.5", "1e3",
        "9223372036854775808", "true", "false", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "and", "or", "not",
        "&&", "||", "!", "=", "exists", "in", "[", "]", "(", ")", ",", "=>", "when", "count(children", "sum(children,",
        "any(children,", "all(children,", "children", "count", "é", "@", "  ",
    ]

    @Test func randomTextNeverCrashesTheParser() {
        var rng = SplitMix64(seed: 0x1A7A_57)
        let alphabet = Array(#"attr[]"span.nme=<>!&|+-*/()," 0123456789.eE\ntrufalsexiowhenc"#.unicodeScalars) + ["é", "\u{0}", "\u{1F600}"]
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<20_000 {
                var text = String.UnicodeScalarView()
                for _ in 0..<Int.random(in: 0...80, using: &rng) { text.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]) }
                Self.checkAnswers(String(text))
            }
        }
        #expect(elapsed < .seconds(20))
    }

    @Test func randomTokenSoupsNeverCrashTheParser() {
        var rng = SplitMix64(seed: 42)
        var parsed = 0
        for _ in 0..<20_000 {
            let count = Int.random(in: 1...24, using: &rng)
            let text = (0..<count).map { _ in Self.tokens[Int.random(in: 0..<Self.tokens.count, using: &rng)] }.joined(separator: " ")
            if Self.checkAnswers(text) { parsed += 1 }
        }
        // Some soups are valid rules, so evaluation paths are reached too.
        #expect(parsed > 0)
    }

    @Test func hugeAndDeeplyNestedInputsAreRejectedQuickly() {
        let clock = ContinuousClock()
        let inputs = [
            String(repeating: "(", count: 1_000_000),
            String(repeating: "(", count: 4_000),
            String(repeating: "not ", count: 1_000),
            String(repeating: "-", count: 4_000) + "1 > 0",
            "1" + String(repeating: "+1", count: 2_000) + " > 0",
            String(repeating: "true and ", count: 450) + "true",
            "attr[\"x\"] in [" + String(repeating: "1,", count: 2_000) + "1]",
            "\"" + String(repeating: "\\\\", count: 2_000),
        ]
        for input in inputs {
            let elapsed = clock.measure { #expect(F.syntaxError(input) != nil) }
            #expect(elapsed < .seconds(1))
        }
    }

    /// For random well-typed conditions C on random spans: `not (C)` swaps holds and violated
    /// and keeps the skip reason; `C => true` applies exactly when C holds.
    @Test func randomRulesOnRandomSpansAreConsistent() throws {
        var rng = SplitMix64(seed: 7)
        var outcomes: [String: Int] = [:]
        for _ in 0..<3_000 {
            var generator = RuleGenerator(rng: rng)
            let condition = generator.condition(depth: 4)
            rng = generator.rng
            let rule = try InvariantRule(name: "random", source: condition)
            let negated = try InvariantRule(name: "random", source: "not (\(condition))")
            let premise = try InvariantRule(name: "random", source: "\(condition) => true")
            for _ in 0..<4 {
                let span = Self.randomSpan(&rng)
                let children = (0..<Int.random(in: 0...3, using: &rng)).map { _ in Self.randomSpan(&rng) }
                let outcome = rule.evaluate(span, children: children)
                outcomes["\(outcome)", default: 0] += 1
                switch outcome {
                case .holds:
                    #expect(negated.evaluate(span, children: children) == .violated, "\(condition)")
                    #expect(premise.evaluate(span, children: children) == .holds, "\(condition)")
                case .violated:
                    #expect(negated.evaluate(span, children: children) == .holds, "\(condition)")
                    #expect(premise.evaluate(span, children: children) == .notApplicable(.premiseFalse), "\(condition)")
                case let .notApplicable(reason):
                    #expect(negated.evaluate(span, children: children) == outcome, "\(condition)")
                    #expect(premise.evaluate(span, children: children) == .notApplicable(reason), "\(condition)")
                }
            }
        }
        // Every kind of outcome occurs, so the generator reaches the evaluator's paths.
        #expect(outcomes.keys.count >= 5, "\(outcomes)")
    }

    /// Parses `text`: on failure the column must lie within the text (or just past it); on
    /// success the rule is evaluated once. Returns whether it parsed.
    @discardableResult
    static func checkAnswers(_ text: String) -> Bool {
        do {
            let rule = try InvariantRule(name: "fuzz", source: text)
            _ = rule.evaluate(F.span(["a": .int(1), "b": .string("x")]), children: [F.span(id: 2)])
            return true
        } catch {
            #expect((1...text.unicodeScalars.count + 1).contains(error.column), "\(text): \(error)")
            #expect(!error.message.isEmpty)
            return false
        }
    }

    static let attributeValues: [AttributeValue] = [
        .int(0), .int(1), .int(-1), .int(.max), .int(.min), .int(3), .double(0.5), .double(3), .double(.nan),
        .double(.infinity), .double(-0.0), .double(9.223372036854776e18), .string("a"), .string("3"), .string(""),
        .bool(true), .bool(false), .bytes([1]), .array([.int(1)]), .keyValueList([]),
    ]

    static func randomSpan(_ rng: inout SplitMix64) -> Span {
        var attributes: [String: AttributeValue] = [:]
        for key in ["a", "b", "c"] where Bool.random(using: &rng) {
            attributes[key] = attributeValues[Int.random(in: 0..<attributeValues.count, using: &rng)]
        }
        return F.span(["checkout", "cart", "a"][Int.random(in: 0..<3, using: &rng)], attributes,
                      kind: SpanKind.allCases[Int.random(in: 0..<SpanKind.allCases.count, using: &rng)],
                      status: SpanStatusCode.allCases[Int.random(in: 0..<SpanStatusCode.allCases.count, using: &rng)],
                      durationNanos: Int64.random(in: 0...5_000_000, using: &rng))
    }
}

/// Random well-typed rule text over attributes `a`, `b`, `c`.
private struct RuleGenerator {
    var rng: SplitMix64
    var insideAggregate = false

    mutating func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &rng)] }

    mutating func attribute() -> String { "attr[\"\(pick(["a", "b", "c"]))\"]" }

    mutating func condition(depth: Int) -> String {
        let choice = Int.random(in: 0..<(depth > 0 ? 10 : 4), using: &rng)
        switch choice {
        case 0: return "\(number(depth: depth - 1)) \(pick(["==", "!=", "<", "<=", ">", ">="])) \(number(depth: depth - 1))"
        case 1: return "\(attribute()) \(pick(["==", "!="])) \(pick(["\"a\"", "\"3\"", "span.name", "true"]))"
        case 2: return "\(attribute()) exists"
        case 3: return pick(["span.kind in [\"server\", \"client\"]", "span.status != \"error\"", "span.name == \"checkout\"",
                             "\(attribute()) in [1, 3, 0.5]", "\(attribute()) in [\"a\", \"\"]", "\(attribute())", "true"])
        case 4, 5: return "(\(condition(depth: depth - 1))) \(pick(["and", "or", "&&", "||"])) (\(condition(depth: depth - 1)))"
        case 6: return "not (\(condition(depth: depth - 1)))"
        case 7 where !insideAggregate:
            insideAggregate = true
            defer { insideAggregate = false }
            return "\(pick(["any", "all"]))(children, \(condition(depth: depth - 1)))"
        default: return "\(number(depth: depth - 1)) \(pick(["<", ">="])) \(number(depth: depth - 1))"
        }
    }

    mutating func number(depth: Int) -> String {
        let choice = Int.random(in: 0..<(depth > 0 ? 8 : 3), using: &rng)
        switch choice {
        case 0: return pick(["0", "1", "-1", "2.5", "9223372036854775807", "-9223372036854775808", "1e300", "3"])
        case 1: return attribute()
        case 2: return "span.duration_ms"
        case 3, 4: return "(\(number(depth: depth - 1)) \(pick(["+", "-", "*", "/"])) \(number(depth: depth - 1)))"
        case 5: return "-\(number(depth: depth - 1))"
        case 6 where !insideAggregate:
            insideAggregate = true
            defer { insideAggregate = false }
            return Bool.random(using: &rng) ? "count(children, \(condition(depth: depth - 1)))" : "sum(children, \(number(depth: depth - 1)))"
        default: return insideAggregate ? "span.duration_ms" : "count(children)"
        }
    }
}
