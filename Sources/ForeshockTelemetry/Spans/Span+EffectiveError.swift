extension Span {
    /// Whether a span counts as an error: status ERROR, or status unset with an HTTP response
    /// status ≥ 500 or a gRPC status other than 0 (OK). Status OK is never an error.
    @inlinable
    public static func isEffectiveError(status: SpanStatusCode, httpStatus: Int64, grpcStatus: Int64) -> Bool {
        status == .error || (status == .unset && (httpStatus >= 500 || grpcStatus != 0))
    }

    /// ``isEffectiveError(status:httpStatus:grpcStatus:)`` read from this span's attributes
    /// (`http.response.status_code` or the older `http.status_code`, `rpc.grpc.status_code`).
    /// - Complexity: O(attributes).
    public var isEffectiveError: Bool {
        guard status == .unset else { return status == .error }
        var http: Int64 = 0, grpc: Int64 = 0
        for attribute in attributes {
            switch attribute.key {
            case "http.response.status_code", "http.status_code": http = attribute.value.intValue ?? 0
            case "rpc.grpc.status_code": grpc = attribute.value.intValue ?? 0
            default: break
            }
        }
        return Self.isEffectiveError(status: status, httpStatus: http, grpcStatus: grpc)
    }
}
