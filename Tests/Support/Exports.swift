// The seeded generator (and the span simulator) every test target shares.
@_exported import ForeshockSimulation
