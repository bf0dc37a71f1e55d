/// The read-only tables ``SpanInvariantAggregator`` consults for every span — the compiled
/// programs, the rules that apply to every span, the rules scoped to each span name — in memory
/// allocated once, with the programs held unretained.
///
/// Reading arrays and closures through a class's stored properties costs an exclusivity check
/// and a retain and release per access; on a path taken for every rule and span that was
/// measured at a quarter of the evaluation cost (the `invariants` benchmarks in
/// `TelemetryBenchmarks`). The table is a value holding pointers: its owner calls
/// ``deallocate()`` exactly once, and keeps the rules (which own the programs) alive meanwhile.
struct InvariantDispatchTable {
    /// Per rule, its program (owned by the rule).
    private let programs: UnsafeMutableBufferPointer<Unmanaged<InvariantProgram>>
    /// The rules without a required span name, in order.
    let unscoped: UnsafeMutableBufferPointer<Int>
    /// Rules scoped to a span name, grouped by the name's hash; group `g` is
    /// `scoped[groupRanges[g]]`.
    let scoped: UnsafeMutableBufferPointer<Int>
    private let groupRanges: UnsafeMutableBufferPointer<Range<Int>>
    private let groupHashes: UnsafeMutableBufferPointer<UInt64>
    /// Open addressing by the name's hash: a group index, or -1 for an empty slot.
    private let slots: UnsafeMutableBufferPointer<Int32>
    /// The span attribute keys any rule reads, each once.
    let attributeKeys: [String]
    /// Finds them (roles: their index in ``attributeKeys``).
    private let keys: KeyClassifier
    /// Scratch, per key of the union: the current span's first attribute with it, or -1.
    private let keyPositions: UnsafeMutableBufferPointer<Int32>
    /// Rule `r`'s attribute slots (``InvariantScope/slots``) are
    /// `ruleSlots[ruleSlotStart[r] ..< ruleSlotStart[r + 1]]`, filled from ``keyPositions``
    /// through `ruleSlotKey` (the key's index in the union).
    private let ruleSlotStart: UnsafeMutableBufferPointer<Int>
    private let ruleSlotKey: UnsafeMutableBufferPointer<Int>
    private let ruleSlots: UnsafeMutableBufferPointer<Int32>

    init(rules: [InvariantRule]) {
        var union: [String] = []
        var starts = [0]
        var slotKeys: [Int] = []
        for rule in rules {
            for key in rule.program.spanKeys {
                if let known = union.firstIndex(where: { InvariantValue.utf8Equal($0, key) }) {
                    slotKeys.append(known)
                } else {
                    slotKeys.append(union.count)
                    union.append(key)
                }
            }
            starts.append(slotKeys.count)
        }
        attributeKeys = union
        keys = KeyClassifier(union.enumerated().map { ($0.element, $0.offset) })
        keyPositions = .allocate(capacity: union.count)
        keyPositions.initialize(repeating: -1)
        ruleSlotStart = .allocate(capacity: starts.count)
        _ = ruleSlotStart.initialize(from: starts)
        ruleSlotKey = .allocate(capacity: slotKeys.count)
        _ = ruleSlotKey.initialize(from: slotKeys)
        ruleSlots = .allocate(capacity: slotKeys.count)
        ruleSlots.initialize(repeating: -1)
        programs = .allocate(capacity: rules.count)
        for (index, rule) in rules.enumerated() { programs.initializeElement(at: index, to: Unmanaged.passUnretained(rule.program)) }
        let unscopedRules = rules.indices.filter { rules[$0].program.requiredSpanName == nil }
        unscoped = .allocate(capacity: unscopedRules.count)
        _ = unscoped.initialize(from: unscopedRules)
        // Grouped by the name's hash (names that collide share a group, in rule order).
        let byName = Dictionary(grouping: rules.indices.filter { rules[$0].program.requiredSpanName != nil }) {
            SpanMetricsAggregator.hash(rules[$0].program.requiredSpanName ?? "")
        }.sorted { $0.key < $1.key }
        var list: [Int] = []
        var ranges: [Range<Int>] = []
        for (_, members) in byName {
            ranges.append(list.count..<list.count + members.count)
            list += members
        }
        scoped = .allocate(capacity: list.count)
        _ = scoped.initialize(from: list)
        groupRanges = .allocate(capacity: ranges.count)
        _ = groupRanges.initialize(from: ranges)
        hasScopedRules = !byName.isEmpty
        groupHashes = .allocate(capacity: byName.count)
        _ = groupHashes.initialize(from: byName.map(\.key))
        var capacity = 4
        while capacity < 2 * byName.count { capacity *= 2 }
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: -1)
        for group in 0..<byName.count {
            var slot = Int(truncatingIfNeeded: groupHashes[group]) & (capacity - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (capacity - 1) }
            slots[slot] = Int32(group)
        }
    }

    func deallocate() {
        programs.deallocate()
        unscoped.deallocate()
        scoped.deallocate()
        groupRanges.deallocate()
        groupHashes.deallocate()
        slots.deallocate()
        keys.deallocate()
        keyPositions.deallocate()
        ruleSlotStart.deallocate()
        ruleSlotKey.deallocate()
        ruleSlots.deallocate()
    }

    /// Finds, in one pass over the span's attributes, every attribute a rule reads: the slots
    /// the next ``evaluate(_:_:children:)`` calls on this span use.
    ///
    /// - Complexity: O(attributes of the span + attribute references of all rules).
    @inline(__always)
    func prepare(_ span: InvariantSpan) {
        guard !ruleSlots.isEmpty else { return }
        for index in keyPositions.indices { keyPositions[index] = -1 }
        for position in span.attributePositions {
            let role = keys.role(of: span.key(at: position))
            if role >= 0 && keyPositions[role] < 0 { keyPositions[role] = Int32(position) }
        }
        prepare(positions: UnsafePointer(keyPositions.baseAddress!))
    }

    /// The same, from the batch positions of the span's first attribute with each of
    /// ``attributeKeys`` (-1: absent), found by the caller.
    @inline(__always)
    func prepare(positions: UnsafePointer<Int32>) {
        for index in ruleSlots.indices { ruleSlots[index] = positions[ruleSlotKey[index]] }
    }

    /// Whether some rule is scoped to a span name.
    let hasScopedRules: Bool

    /// The positions in ``scoped`` of the rules scoped to span name `name` (empty when none),
    /// found by the name's 64-bit hash alone: the rules' premises test the name itself, so a
    /// collision (≈ 2⁻⁶⁴ per name pair) costs an evaluation, never a wrong verdict.
    ///
    /// - Complexity: one hash of `name` (UTF-8 bytes).
    @inline(__always)
    func rules(scopedTo name: UnsafeRawBufferPointer) -> Range<Int> {
        let hash = StringInterner.hash(name)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let group = Int(slots[slot])
            if group < 0 { return 0..<0 }
            if groupHashes[group] == hash { return groupRanges[group] }
            slot = (slot + 1) & mask
        }
    }

    /// Evaluates rule `rule` on `span` (last passed to ``prepare(_:)``) with its children (batch
    /// positions), without retaining anything.
    @inline(__always)
    func evaluate(_ rule: Int, _ span: InvariantSpan, children: UnsafeBufferPointer<Int32>) -> InvariantOutcome {
        let scope = InvariantScope(children: children, slots: UnsafePointer(ruleSlots.baseAddress.map { $0 + ruleSlotStart[rule] }))
        return programs[rule]._withUnsafeGuaranteedRef { $0.evaluate(span, scope) }
    }
}
