-- Shared by the bench scripts: headers from the environment, one JSON summary line at the end.
local M = {}

function M.headers()
  local h = {}
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then h["Cookie"] = "sessionid=" .. cookie end
  local token = os.getenv("BENCH_TOKEN")
  if token and token ~= "" then h["Authorization"] = "Token " .. token end
  h["User-Agent"] = "cadre-bench-wrk"
  return h
end

function M.split(text, sep)
  local out = {}
  for part in string.gmatch(text or "", "([^" .. sep .. "]+)") do table.insert(out, part) end
  return out
end

function M.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, "read_errors": %d, '
    .. '"write_errors": %d, "non2xx3xx": %d, "timeouts": %d, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, '
    .. '"mean_ms": %.3f, "max_ms": %.3f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, latency.max / 1000))
end

return M
