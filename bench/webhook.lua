-- webhook.lua: wrk script for bench/delivery's throughput phase.
--
--   wrk -t2 -c16 -d15s -s bench/webhook.lua http://127.0.0.1:PORT/webhook/grafana -- RUN [ALERTS] [NAMESPACES] [grow|fresh]
--
-- Every request is a Grafana webhook body (version "1") with ALERTS (10)
-- firing alerts over NAMESPACES (5) namespaces "bench-<j % NAMESPACES>",
-- one alert name ("grow": 5 incidents that grow with every request) or an
-- alert name per request ("fresh": every request opens 5 new incidents),
-- a distinct fingerprint per alert (run, thread, counter,
-- index) and a groupKey of its own, so no body resolves another's alerts.
-- The same shape as bench/pace.c. done() prints one line
--   BENCH {json}
-- with wrk's totals, latency percentiles (microseconds) and the number of
-- answers that were not 202 with "accepted":ALERTS.

local threads = {}
local nthreads = 0

function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
  table.insert(threads, thread)
end

local run, nalerts, nns, fresh = 1, 10, 5, false
local counter = 0
n_ok, n_bad, n_other_status = 0, 0, 0

function init(args)
  run = tonumber(args[1] or "1") or 1
  nalerts = tonumber(args[2] or "10") or 10
  nns = tonumber(args[3] or "5") or 5
  fresh = args[4] == "fresh"
  wrk.headers["Content-Type"] = "application/json"
end

local fmt = string.format
local concat = table.concat

local function body(seq)
  local parts = {}
  parts[1] = fmt('{"receiver":"bench","status":"firing","orgId":1,"version":"1",'
    .. '"groupKey":"{}/{__grafana_receiver__=\\"bench\\"}:{run=\\"%d\\", seq=\\"%d\\"}",'
    .. '"truncatedAlerts":0,"externalURL":"http://grafana.bench/",'
    .. '"groupLabels":{"run":"%d"},"commonLabels":{"severity":"warning"},'
    .. '"commonAnnotations":{},"alerts":[', run, seq, run)
  for j = 0, nalerts - 1 do
    local ns = "bench-" .. (j % nns)
    local an = fresh and seq or 0
    parts[#parts + 1] = fmt('%s{"status":"firing","labels":{"alertname":"BenchLatencyHigh%d",'
      .. '"namespace":"%s","pod":"api-%d-%d-%d","severity":"warning","grafana_folder":"Bench"},'
      .. '"annotations":{"summary":"p99 latency of api-%d-%d above 500ms",'
      .. '"description":"The 5m p99 request latency has been above 500 ms for 10 minutes.",'
      .. '"runbook_url":"https://runbooks.bench/latency"},'
      .. '"startsAt":"2025-06-02T08:15:00Z","endsAt":"0001-01-01T00:00:00Z",'
      .. '"generatorURL":"http://grafana.bench/alerting/grafana/bench1/view?orgId=1",'
      .. '"fingerprint":"%04x%08x%04x",'
      .. '"silenceURL":"http://grafana.bench/alerting/silence/new?matcher=pod%%3Dapi-%d-%d",'
      .. '"dashboardURL":"","panelURL":"","values":{"A":%d.5,"B":1},'
      .. '"valueString":"[ var=\'A\' labels={namespace=%s} value=%d.5 ]","orgId":1}',
      j > 0 and "," or "", an, ns, run, seq, j, seq, j, run % 65536, seq, j, seq, j,
      500 + j, ns, 500 + j)
  end
  parts[#parts + 1] = "]}"
  return concat(parts)
end

function request()
  -- thread id in the top bits: distinct across wrk's threads
  local seq = tid * 0x10000000 + counter
  counter = counter + 1
  return wrk.format("POST", nil, nil, body(seq))
end

function response(status, headers, b)
  if status == 202 then
    if string.find(b, '"accepted":' .. nalerts, 1, true) or
       string.find(b, '"accepted": ' .. nalerts, 1, true) then
      n_ok = n_ok + 1
    else
      n_bad = n_bad + 1
    end
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
