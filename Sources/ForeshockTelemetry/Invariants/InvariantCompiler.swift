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

    // MARK: - Conditions

    /// A closure computing the truth of `expression`, a condition (boolean or of unknown type).
    mutating func condition(_ expression: InvariantExpression) -> Condition {
        switch expression {
        case let .literal(.bool(truth)):
            return { _, _ in truth }
        case let .exists(scope, key):
            let key = reference(key)
            if scope == .span { return { span, _ in Self.index(of: key, in: span.pointee.attributes) != nil } }
            return { span, _ in Self.index(of: key, in: span.pointee.resource.attributes) != nil }
        case let .not(operand):
            let operand = condition(operand)
            return { (span, children) throws(InvariantSkip) in try !operand(span, children) }
        case let .and(left, right):
            let left = condition(left), right = condition(right)
            return { (span, children) throws(InvariantSkip) in try Self.kleene(left, right, decidedBy: false, span, children) }
        case let .or(left, right):
            let left = condition(left), right = condition(right)
            return { (span, children) throws(InvariantSkip) in try Self.kleene(left, right, decidedBy: true, span, children) }
        case let .comparison(op, left, right):
            if let dedicated = dedicatedComparison(op, left, right) { return dedicated }
            let left = operand(left), right = operand(right)
            return { (span, children) throws(InvariantSkip) in
                try InvariantValue.compare(op, left(span, children), right(span, children))
            }
        case let .membership(tested, list):
            if case let .field(field) = tested, let test = Self.enumeratedTest(field, oneOf: list, negated: false) { return test }
            let tested = operand(tested)
            return { (span, children) throws(InvariantSkip) in try InvariantValue.isMember(tested(span, children), of: list) }
        case let .any(body):
            readsChildren = true
            let body = condition(body)
            return { (_, children) throws(InvariantSkip) in try Self.quantify(body, decidedBy: true, children) }
        case let .all(body):
            readsChildren = true
            let body = condition(body)
            return { (_, children) throws(InvariantSkip) in try Self.quantify(body, decidedBy: false, children) }
        case .literal, .field, .attribute, .negate, .arithmetic, .count, .sum:
            let value = operand(expression)
            return { (span, children) throws(InvariantSkip) in
                guard case let .bool(truth) = try value(span, children) else { throw InvariantSkip(.typeMismatch) }
                return truth
            }
        }
    }

    /// A dedicated closure for `field`/`attribute` `==`/`!=` a string literal, or nil.
    private mutating func dedicatedComparison(_ op: InvariantComparison, _ left: InvariantExpression,
                                              _ right: InvariantExpression) -> Condition? {
        guard op.isEquality else { return nil }
        let negated = op == .notEqual
        switch (left, right) {
        case let (.field(field), .literal(.string(text))), let (.literal(.string(text)), .field(field)):
            switch field {
            case .name: return { span, _ in InvariantValue.utf8Equal(span.pointee.name, text) != negated }
            case .serviceName: return { span, _ in InvariantValue.utf8Equal(span.pointee.resource.serviceName, text) != negated }
            case .kind, .status: return Self.enumeratedTest(field, oneOf: [.string(text)], negated: negated)
            case .durationMilliseconds: return nil
            }
        case let (.attribute(scope, key), .literal(.string(text))), let (.literal(.string(text)), .attribute(scope, key)):
            let key = reference(key)
            if scope == .span {
                return { (span, _) throws(InvariantSkip) in try Self.string(of: key, in: span.pointee.attributes, equals: text) != negated }
            }
            return { (span, _) throws(InvariantSkip) in try Self.string(of: key, in: span.pointee.resource.attributes, equals: text) != negated }
        default:
            return nil
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
        if field == .kind { return { span, _ in bits & (1 << span.pointee.kind.rawValue) != 0 } }
        return { span, _ in bits & (1 << span.pointee.status.rawValue) != 0 }
    }

    // MARK: - Operands

    /// A closure computing the value of `expression`.
    mutating func operand(_ expression: InvariantExpression) -> Operand {
        switch expression {
        case let .literal(value):
            return { _, _ in value }
        case let .field(field):
            return switch field {
            case .name: { span, _ in .string(span.pointee.name) }
            case .kind: { span, _ in .string(span.pointee.kind.description) }
            case .status: { span, _ in .string(span.pointee.status.description) }
            case .durationMilliseconds: { span, _ in .double(Double(span.pointee.durationNanos) / 1_000_000) }
            case .serviceName: { span, _ in .string(span.pointee.resource.serviceName) }
            }
        case let .attribute(scope, key):
            let key = reference(key)
            if scope == .span { return { (span, _) throws(InvariantSkip) in try Self.value(of: key, in: span.pointee.attributes) } }
            return { (span, _) throws(InvariantSkip) in try Self.value(of: key, in: span.pointee.resource.attributes) }
        case let .negate(operand):
            let operand = self.operand(operand)
            return { (span, children) throws(InvariantSkip) in try InvariantValue.negate(operand(span, children)) }
        case let .arithmetic(op, left, right):
            let left = operand(left), right = operand(right)
            return { (span, children) throws(InvariantSkip) in
                try InvariantValue.apply(op, left(span, children), right(span, children))
            }
        case .count(nil):
            readsChildren = true
            return { _, children in .int(Int64(children.count)) }
        case let .count(body?):
            readsChildren = true
            let body = condition(body)
            return { (_, children) throws(InvariantSkip) in
                var count: Int64 = 0
                try Self.forEach(children) { (child) throws(InvariantSkip) in
                    if try body(child, .none) { count += 1 }
                }
                return .int(count)
            }
        case let .sum(body):
            readsChildren = true
            let body = operand(body)
            return { (_, children) throws(InvariantSkip) in
                var total = InvariantValue.int(0)
                try Self.forEach(children) { (child) throws(InvariantSkip) in
                    total = try InvariantValue.apply(.add, total, body(child, .none))
                }
                return total
            }
        case .exists, .not, .and, .or, .comparison, .membership, .any, .all:
            let truth = condition(expression)
            return { (span, children) throws(InvariantSkip) in .bool(try truth(span, children)) }
        }
    }

    // MARK: - Evaluation helpers

    /// `left and right` (`decisive` false) or `left or right` (`decisive` true) in Kleene's
    /// logic: the decisive value on either side decides, even when the other side is unknown.
    private static func kleene(_ left: Condition, _ right: Condition, decidedBy decisive: Bool,
                               _ span: UnsafePointer<Span>, _ children: UnsafeBufferPointer<Span>) throws(InvariantSkip) -> Bool {
        let unknown: InvariantSkip
        do throws(InvariantSkip) {
            if try left(span, children) == decisive { return decisive }
            return try right(span, children)
        } catch {
            unknown = error
        }
        // The left side was unknown; a decisive right side still decides.
        if (try? right(span, children)) == decisive { return decisive }
        throw unknown
    }

    /// `any` (`decisive` true) or `all` (`decisive` false) of `body` over the children, in
    /// Kleene's logic: one decisive child decides, otherwise an unknown child makes it unknown.
    private static func quantify(_ body: Condition, decidedBy decisive: Bool, _ children: UnsafeBufferPointer<Span>) throws(InvariantSkip) -> Bool {
        var unknown: InvariantSkip?
        guard let base = children.baseAddress else { return !decisive }
        for offset in children.indices {
            do throws(InvariantSkip) {
                if try body(base + offset, .none) == decisive { return decisive }
            } catch {
                unknown = unknown ?? error
            }
        }
        if let unknown { throw unknown }
        return !decisive
    }

    /// Calls `body` with a pointer to each child, in order (children are read in place: a
    /// `Span` copy costs a retain and a release per reference it holds).
    private static func forEach(_ children: UnsafeBufferPointer<Span>,
                                _ body: (UnsafePointer<Span>) throws(InvariantSkip) -> Void) throws(InvariantSkip) {
        guard let base = children.baseAddress else { return }
        for offset in children.indices { try body(base + offset) }
    }

    // Attribute lookups are inlined into the closures: a call taking the attribute array would
    // retain and release it, as it is read through a pointer.

    /// The value of the first attribute named `key`.
    @inline(__always)
    private static func value(of key: String, in attributes: [SpanAttribute]) throws(InvariantSkip) -> InvariantValue {
        guard let index = index(of: key, in: attributes) else { throw InvariantSkip(.missingAttribute) }
        return try InvariantValue(attributes[index].value)
    }

    /// Whether the first attribute named `key` is the string `text`.
    @inline(__always)
    private static func string(of key: String, in attributes: [SpanAttribute], equals text: String) throws(InvariantSkip) -> Bool {
        guard let index = index(of: key, in: attributes) else { throw InvariantSkip(.missingAttribute) }
        guard case let .string(actual) = attributes[index].value else { throw InvariantSkip(.typeMismatch) }
        return InvariantValue.utf8Equal(actual, text)
    }

    /// The position of the first attribute named `key` (compared byte-wise).
    @inline(__always)
    private static func index(of key: String, in attributes: [SpanAttribute]) -> Int? {
        for index in attributes.indices where InvariantValue.utf8Equal(attributes[index].key, key) { return index }
        return nil
    }

    /// Records `key` among the referenced attributes and returns it.
    private mutating func reference(_ key: String) -> String {
        if !referencedAttributes.contains(where: { InvariantValue.utf8Equal($0, key) }) { referencedAttributes.append(key) }
        return key
    }
}

extension UnsafeBufferPointer {
    /// No elements: the children seen from inside an aggregate body (aggregates do not nest).
    fileprivate static var none: Self { UnsafeBufferPointer(start: nil, count: 0) }
}
