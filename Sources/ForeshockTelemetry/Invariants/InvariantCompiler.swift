/// Turns type-checked expressions into ``InvariantProgram`` closures.
///
/// Shapes that are common in rules get closures that test in place rather than build values:
/// `span.name` or `service.name` `==`/`!=` a string compares bytes; `span.kind` and
/// `span.status` tests (`==`, `!=`, `in`) become a bit mask over the enum's raw value;
/// `attr["k"] ==`/`!=` a string compares the attribute's bytes without copying it.
struct InvariantCompiler {
    typealias Condition = InvariantProgram.Condition
    typealias Operand = InvariantProgram.Operand

    /// Whether an aggregate over children was compiled.
    private(set) var readsChildren = false
    /// The attribute keys compiled so far, each once, in order of first use.
    private(set) var referencedAttributes: [String] = []
    /// The span attribute keys (`attr[...]`) compiled so far, each once: a closure reading
    /// `spanKeys[i]` finds it at `slots[i]` of the ``InvariantScope`` when the caller filled them.
    private(set) var spanKeys: [String] = []

    // MARK: - Conditions

    /// A closure computing the truth of `expression`, a condition (boolean or of unknown type).
    mutating func condition(_ expression: InvariantExpression) -> Condition {
        switch expression {
        case let .literal(.bool(truth)):
            return { _, _ in truth }
        case let .exists(scope, key):
            let key = reference(key)
            if scope == .span {
                let slot = spanSlot(key), bytes = InvariantText(key)
                return { span, scope in Self.position(of: bytes, slot: slot, in: span, scope) != nil }
            }
            return { span, _ in Self.index(of: key, in: span.resource.attributes) != nil }
        case let .not(operand):
            let operand = condition(operand)
            return { (span, scope) throws(InvariantSkip) in try !operand(span, scope) }
        case let .and(left, right):
            let left = condition(left), right = condition(right)
            return { (span, scope) throws(InvariantSkip) in try Self.kleene(left, right, decidedBy: false, span, scope) }
        case let .or(left, right):
            let left = condition(left), right = condition(right)
            return { (span, scope) throws(InvariantSkip) in try Self.kleene(left, right, decidedBy: true, span, scope) }
        case let .comparison(op, left, right):
            if let dedicated = dedicatedComparison(op, left, right) { return dedicated }
            let left = operand(left), right = operand(right)
            return { (span, scope) throws(InvariantSkip) in
                try InvariantValue.compare(op, left(span, scope), right(span, scope))
            }
        case let .membership(tested, list):
            if case let .field(field) = tested, let test = Self.enumeratedTest(field, oneOf: list, negated: false) { return test }
            if case let .attribute(scope, key) = tested, let test = stringMembership(scope, reference(key), list) { return test }
            let tested = operand(tested)
            return { (span, scope) throws(InvariantSkip) in try InvariantValue.isMember(tested(span, scope), of: list) }
        case let .any(body):
            readsChildren = true
            let body = condition(body)
            return { (span, scope) throws(InvariantSkip) in try Self.quantify(body, decidedBy: true, span, scope.children) }
        case let .all(body):
            readsChildren = true
            let body = condition(body)
            return { (span, scope) throws(InvariantSkip) in try Self.quantify(body, decidedBy: false, span, scope.children) }
        case .literal, .field, .attribute, .negate, .arithmetic, .count, .sum:
            let value = operand(expression)
            return { (span, scope) throws(InvariantSkip) in
                guard case let .bool(truth) = try value(span, scope) else { throw InvariantSkip(.typeMismatch) }
                return truth
            }
        }
    }

    /// A dedicated closure for `field`/`attribute` `==`/`!=` a string literal, or nil.
    private mutating func dedicatedComparison(_ op: InvariantComparison, _ left: InvariantExpression,
                                              _ right: InvariantExpression) -> Condition? {
        if let numeric = numericComparison(op, left, right) { return numeric }
        guard op.isEquality else { return nil }
        let negated = op == .notEqual
        switch (left, right) {
        case let (.field(field), .literal(.string(text))), let (.literal(.string(text)), .field(field)):
            switch field {
            case .name:
                let expected = InvariantText(text)
                return { span, _ in InvariantSpan.equal(span.name, expected.bytes) != negated }
            case .serviceName: return { span, _ in InvariantValue.utf8Equal(span.resource.serviceName, text) != negated }
            case .kind, .status: return Self.enumeratedTest(field, oneOf: [.string(text)], negated: negated)
            case .durationMilliseconds: return nil
            }
        case let (.attribute(scope, key), .literal(.string(text))), let (.literal(.string(text)), .attribute(scope, key)):
            let key = reference(key)
            if scope == .span {
                let slot = spanSlot(key), keyBytes = InvariantText(key), expected = InvariantText(text)
                return { (span, scope) throws(InvariantSkip) in
                    guard let position = Self.position(of: keyBytes, slot: slot, in: span, scope) else { throw InvariantSkip(.missingAttribute) }
                    return try span.string(at: position, equals: expected.bytes) != negated
                }
            }
            return { (span, _) throws(InvariantSkip) in
                let attributes = span.resource.attributes
                return try Self.string(at: Self.index(of: key, in: attributes), in: attributes, equals: text) != negated
            }
        default:
            return nil
        }
    }

    /// `attr["k"] in ["a", "b", …]` (or `resource[…]`) as a comparison of the attribute's bytes
    /// with each string, without building a value; nil when the list is not all strings.
    private mutating func stringMembership(_ scope: InvariantAttributeScope, _ key: String, _ list: [InvariantValue]) -> Condition? {
        var texts: [String] = []
        for item in list {
            guard case let .string(text) = item else { return nil }
            texts.append(text)
        }
        let candidates = texts
        if scope == .span {
            let slot = spanSlot(key), keyBytes = InvariantText(key), expected = texts.map(InvariantText.init)
            return { (span, scope) throws(InvariantSkip) in
                guard let position = Self.position(of: keyBytes, slot: slot, in: span, scope) else { throw InvariantSkip(.missingAttribute) }
                for candidate in expected where try span.string(at: position, equals: candidate.bytes) { return true }
                return false
            }
        }
        return { (span, _) throws(InvariantSkip) in
            let attributes = span.resource.attributes
            return try Self.string(at: Self.index(of: key, in: attributes), in: attributes, isOneOf: candidates)
        }
    }

    /// A dedicated closure for a span attribute compared with a number literal (`attr["k"] >= 100`,
    /// or the literal first), reading the attribute in place: the common shape of threshold rules.
    private mutating func numericComparison(_ op: InvariantComparison, _ left: InvariantExpression,
                                            _ right: InvariantExpression) -> Condition? {
        let key: String, literal: InvariantValue, mirrored: Bool
        switch (left, right) {
        case let (.attribute(.span, name), .literal(value)): (key, literal, mirrored) = (name, value, false)
        case let (.literal(value), .attribute(.span, name)): (key, literal, mirrored) = (name, value, true)
        default: return nil
        }
        guard literal.type == .number else { return nil }
        let keyBytes = InvariantText(reference(key)), slot = spanSlot(key)
        return { (span, scope) throws(InvariantSkip) in
            guard let position = Self.position(of: keyBytes, slot: slot, in: span, scope) else { throw InvariantSkip(.missingAttribute) }
            let value: InvariantValue = switch span.value(at: position) {
            case let .int(number): .int(number)
            case let .double(number): .double(number)
            default: throw InvariantSkip(.typeMismatch)
            }
            return op.holds(mirrored ? try InvariantValue.numericOrder(literal, value) : try InvariantValue.numericOrder(value, literal))
        }
    }

    /// `span.kind` or `span.status` in `list` (negated if asked) as a test of one bit of a mask,
    /// or nil for another field or a name that no span has (the parser rejects those).
    private static func enumeratedTest(_ field: InvariantField, oneOf list: [InvariantValue], negated: Bool) -> Condition? {
        let names: [(name: String, bit: UInt8)] = switch field {
        case .kind: SpanKind.allCases.map { ($0.description, $0.rawValue) }
        case .status: SpanStatusCode.allCases.map { ($0.description, $0.rawValue) }
        case .name, .serviceName, .durationMilliseconds: []
        }
        var mask: UInt8 = 0
        for item in list {
            guard case let .string(text) = item, let match = names.first(where: { $0.name == text }) else { return nil }
            mask |= 1 << match.bit
        }
        if negated { mask = ~mask }
        let bits = mask
        if field == .kind { return { span, _ in bits & (1 << span.kind.rawValue) != 0 } }
        return { span, _ in bits & (1 << span.status.rawValue) != 0 }
    }

    // MARK: - Operands

    /// A closure computing the value of `expression`.
    mutating func operand(_ expression: InvariantExpression) -> Operand {
        switch expression {
        case let .literal(value):
            return { _, _ in value }
        case let .field(field):
            return switch field {
            case .name: { span, _ in .string(String(decoding: span.name, as: UTF8.self)) }
            case .kind: { span, _ in .string(span.kind.description) }
            case .status: { span, _ in .string(span.status.description) }
            case .durationMilliseconds: { span, _ in .double(Double(span.durationNanos) / 1_000_000) }
            case .serviceName: { span, _ in .string(span.resource.serviceName) }
            }
        case let .attribute(scope, key):
            let key = reference(key)
            if scope == .span {
                let slot = spanSlot(key), keyBytes = InvariantText(key)
                return { (span, scope) throws(InvariantSkip) in
                    guard let position = Self.position(of: keyBytes, slot: slot, in: span, scope) else { throw InvariantSkip(.missingAttribute) }
                    return try span.invariantValue(at: position)
                }
            }
            return { (span, _) throws(InvariantSkip) in
                let attributes = span.resource.attributes
                return try Self.value(at: Self.index(of: key, in: attributes), in: attributes)
            }
        case let .negate(operand):
            let operand = self.operand(operand)
            return { (span, scope) throws(InvariantSkip) in try InvariantValue.negate(operand(span, scope)) }
        case let .arithmetic(op, left, right):
            let left = operand(left), right = operand(right)
            return { (span, scope) throws(InvariantSkip) in
                try InvariantValue.apply(op, left(span, scope), right(span, scope))
            }
        case .count(nil):
            readsChildren = true
            return { _, scope in .int(Int64(scope.children.count)) }
        case let .count(body?):
            readsChildren = true
            let body = condition(body)
            return { (span, scope) throws(InvariantSkip) in
                var count: Int64 = 0
                for child in scope.children where try body(span.sibling(Int(child)), .child) { count += 1 }
                return .int(count)
            }
        case let .sum(body):
            readsChildren = true
            let body = operand(body)
            return { (span, scope) throws(InvariantSkip) in
                var total = InvariantValue.int(0)
                for child in scope.children {
                    total = try InvariantValue.apply(.add, total, body(span.sibling(Int(child)), .child))
                }
                return total
            }
        case .exists, .not, .and, .or, .comparison, .membership, .any, .all:
            let truth = condition(expression)
            return { (span, scope) throws(InvariantSkip) in .bool(try truth(span, scope)) }
        }
    }

    // MARK: - Evaluation helpers

    /// `left and right` (`decisive` false) or `left or right` (`decisive` true) in Kleene's
    /// logic: the decisive value on either side decides, even when the other side is unknown.
    private static func kleene(_ left: Condition, _ right: Condition, decidedBy decisive: Bool,
                               _ span: InvariantSpan, _ scope: InvariantScope) throws(InvariantSkip) -> Bool {
        let unknown: InvariantSkip
        do throws(InvariantSkip) {
            if try left(span, scope) == decisive { return decisive }
            return try right(span, scope)
        } catch {
            unknown = error
        }
        // The left side was unknown; a decisive right side still decides.
        if (try? right(span, scope)) == decisive { return decisive }
        throw unknown
    }

    /// `any` (`decisive` true) or `all` (`decisive` false) of `body` over the children (batch
    /// positions of `span`'s), in Kleene's logic: one decisive child decides, otherwise an
    /// unknown child makes it unknown.
    private static func quantify(_ body: Condition, decidedBy decisive: Bool, _ span: InvariantSpan,
                                 _ children: UnsafeBufferPointer<Int32>) throws(InvariantSkip) -> Bool {
        var unknown: InvariantSkip?
        for child in children {
            do throws(InvariantSkip) {
                if try body(span.sibling(Int(child)), .child) == decisive { return decisive }
            } catch {
                unknown = unknown ?? error
            }
        }
        if let unknown { throw unknown }
        return !decisive
    }

    // Resource attributes: `SpanAttribute` arrays, as decoded.

    /// The value of the attribute at `index` (nil: absent).
    @inline(__always)
    private static func value(at index: Int?, in attributes: [SpanAttribute]) throws(InvariantSkip) -> InvariantValue {
        guard let index else { throw InvariantSkip(.missingAttribute) }
        return try InvariantValue(attributes[index].value)
    }

    /// Whether the attribute at `index` (nil: absent) is the string `text`.
    @inline(__always)
    private static func string(at index: Int?, in attributes: [SpanAttribute], equals text: String) throws(InvariantSkip) -> Bool {
        guard let index else { throw InvariantSkip(.missingAttribute) }
        guard case let .string(actual) = attributes[index].value else { throw InvariantSkip(.typeMismatch) }
        return InvariantValue.utf8Equal(actual, text)
    }

    /// Whether the attribute at `index` (nil: absent) is one of the strings `candidates`.
    @inline(__always)
    private static func string(at index: Int?, in attributes: [SpanAttribute], isOneOf candidates: [String]) throws(InvariantSkip) -> Bool {
        guard let index else { throw InvariantSkip(.missingAttribute) }
        guard case let .string(actual) = attributes[index].value else { throw InvariantSkip(.typeMismatch) }
        for candidate in candidates where InvariantValue.utf8Equal(actual, candidate) { return true }
        return false
    }

    /// The batch position of the span's first attribute named `key`: from the scope's slot
    /// table when it has one (``InvariantScope/slots``, filled once per span for all the keys a
    /// program reads), else by scanning.
    @inline(__always)
    private static func position(of key: InvariantText, slot: Int, in span: InvariantSpan, _ scope: InvariantScope) -> Int? {
        if let slots = scope.slots {
            let position = Int(slots[slot])
            return position >= 0 ? position : nil
        }
        return span.position(of: key.bytes)
    }

    /// The position of the first attribute named `key` (compared byte-wise), among a
    /// resource's attributes.
    @inline(__always)
    private static func index(of key: String, in attributes: [SpanAttribute]) -> Int? {
        let count = key.utf8.count
        return attributes.withUnsafeBufferPointer { buffer in
            for index in buffer.indices where buffer[index].key.utf8.count == count && InvariantValue.utf8Equal(buffer[index].key, key) {
                return index
            }
            return nil
        }
    }

    /// The slot of span attribute `key` in ``spanKeys``, added when new.
    private mutating func spanSlot(_ key: String) -> Int {
        if let slot = spanKeys.firstIndex(where: { InvariantValue.utf8Equal($0, key) }) { return slot }
        spanKeys.append(key)
        return spanKeys.count - 1
    }

    /// Records `key` among the referenced attributes and returns it.
    private mutating func reference(_ key: String) -> String {
        if !referencedAttributes.contains(where: { InvariantValue.utf8Equal($0, key) }) { referencedAttributes.append(key) }
        return key
    }
}
