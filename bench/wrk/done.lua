-- Appended to every scenario script: per-thread status counts, and at the end one line
-- "WRK_JSON {...}" with the latency percentiles (microseconds) and the counts. A scenario may
-- set OK_STATUS (the poll's 304): that answer counts as ok too.
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

ok_count, bad_count, bad_statuses = 0, 0, ""

response = function(status, headers, body)
  if (status >= 200 and status < 300) or status == (OK_STATUS or 0) then
    ok_count = ok_count + 1
  else
    bad_count = bad_count + 1
    if #bad_statuses < 200 then bad_statuses = bad_statuses .. status .. " " end
  end
  if after_response then after_response(status) end
end

done = function(summary, latency, requests)
  local ok, bad, statuses = 0, 0, ""
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("ok_count")
    bad = bad + thread:get("bad_count")
    statuses = statuses .. thread:get("bad_statuses")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "ok": %d, "non_2xx": %d, ' ..
    '"non_2xx_statuses": "%s", "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}, "latency_us": {"min": %d, "max": %d, "mean": %.1f, ' ..
    '"stdev": %.1f, "p50": %d, "p75": %d, "p90": %d, "p95": %d, "p99": %d}}\n',
    summary.requests, summary.duration, summary.bytes, ok, bad, statuses,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.max, latency.mean, latency.stdev,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(95), latency:percentile(99)))
end
