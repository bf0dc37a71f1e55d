-- wrk script: POST the prebuilt OTLP protobuf body with a bearer token.
local f = io.open(os.getenv("BODY"), "rb")
wrk.body = f:read("*all")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-protobuf"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

done = function(summary, latency, requests)
    local codes = ""
    for status, count in pairs(summary.errors) do codes = codes .. status .. "=" .. tostring(count) .. " " end
    io.write(string.format("requests %d, non-2xx %d, p50 %.2f ms, p99 %.2f ms\n", summary.requests,
        summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
