@_exported import ForeshockStorage
@_exported import ForeshockTelemetry
@_exported import ForeshockDetection
@_exported import ForeshockSketches
