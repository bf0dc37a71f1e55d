@_exported import ForeshockStorage
@_exported import ForeshockTelemetry
