-- am.lua: wrk script for bench/compare's ingest phase against Alertmanager.
--
--   wrk -t2 -c16 -d30s -s bench/am.lua http://127.0.0.1:PORT/api/v2/alerts -- RUN [ALERTS] [NAMESPACES]
--
-- Every request is an Alertmanager API v2 body: a JSON array of ALERTS (10)
-- firing alerts over NAMESPACES (5) namespaces "bench-<j % NAMESPACES>",
-- one alert name (so 5 groups that grow with every request, the "grow"
-- shape of webhook.lua), a distinct label set per alert (pod
-- "api-<run>-<seq>-<j>", seq = thread and counter), annotations, startsAt
-- the time wrk started, no endsAt. done() prints one line
--   BENCH {json}
-- in webhook.lua's format: ok_202 counts the 2xx answers here (Alertmanager
-- answers 200 with an empty body), not_202 the others.

local threads = {}
local nthreads = 0

function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
  table.insert(threads, thread)
end

local run, nalerts, nns = 1, 10, 5
local counter = 0
local starts_at = os.date("!%Y-%m-%dT%H:%M:%SZ")
n_ok, n_bad, n_other_status = 0, 0, 0

function init(args)
  run = tonumber(args[1] or "1") or 1
  nalerts = tonumber(args[2] or "10") or 10
  nns = tonumber(args[3] or "5") or 5
  wrk.headers["Content-Type"] = "application/json"
end

local fmt = string.format
local concat = table.concat

local function body(seq)
  local parts = {"["}
  for j = 0, nalerts - 1 do
    local ns = "bench-" .. (j % nns)
    parts[#parts + 1] = fmt('%s{"labels":{"alertname":"BenchLatencyHigh0",'
      .. '"namespace":"%s","pod":"api-%d-%d-%d","severity":"warning"},'
      .. '"annotations":{"summary":"p99 latency of api-%d-%d above 500ms",'
      .. '"description":"The 5m p99 request latency has been above 500 ms for 10 minutes.",'
      .. '"runbook_url":"https://runbooks.bench/latency"},'
      .. '"startsAt":"%s",'
      .. '"generatorURL":"http://prometheus.bench/graph?g0.expr=latency"}',
      j > 0 and "," or "", ns, run, seq, j, seq, j, starts_at)
  end
  parts[#parts + 1] = "]"
  return concat(parts)
end

function request()
  -- thread id in the top bits: distinct across wrk's threads
  local seq = tid * 0x10000000 + counter
  counter = counter + 1
  return wrk.format("POST", nil, nil, body(seq))
end

function response(status, headers, b)
  if status >= 200 and status < 300 then
    n_ok = n_ok + 1
  else
    n_other_status = n_other_status + 1
  end
end

function done(summary, latency, requests)
  local ok, bad, other = 0, 0, 0
  for _, t in ipairs(threads) do
    ok = ok + (t:get("n_ok") or 0)
    bad = bad + (t:get("n_bad") or 0)
    other = other + (t:get("n_other_status") or 0)
  end
  local e = summary.errors
  io.write(fmt('BENCH {"duration_us":%d,"requests":%d,"bytes":%d,'
    .. '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d,'
    .. '"ok_202":%d,"bad_body":%d,"not_202":%d,'
    .. '"lat_mean":%.1f,"lat_max":%d,"lat_p50":%d,"lat_p90":%d,"lat_p99":%d,"lat_p999":%d}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout, ok, bad, other,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end
