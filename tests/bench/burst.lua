-- wrk script of the ack burst (tests/bench/bench_ack_burst.py): every thread sends its share
-- of a list of requests, each once, and says on stdout when every one of them was answered.
--   wrk -t T -c C -d LIMIT -s burst.lua URL -- <bodies file | healthz> <count> <T>
-- A bodies file holds one ack body (JSON) per line, each with its person's real token;
-- "healthz" sends as many GET /healthz instead (the floor, measured the same way).
-- A connection asking for more once its thread's list is sent repeats the thread's last
-- request (a repeated ack is answered the same and recorded nowhere); repeats are counted.
-- Times are CLOCK_MONOTONIC seconds, the clock Python's time.monotonic() reads.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } burst_timespec;
  int clock_gettime(int clock, burst_timespec *ts);
]]
local ts = ffi.new("burst_timespec")
local function now()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  local count, nthreads = tonumber(args[2]), tonumber(args[3])
  floor = args[1] == "healthz"
  mine, sent, answered, failed, repeats = {}, 0, 0, 0, 0
  seen = {}
  started, finished = 0, 0
  -- wrk calls the first thread's request() once before it runs, to check the script, and
  -- throws the request away: that call must not use up a request of the list.
  verifying = id == 1
  if floor then
    for _ = id, count, nthreads do mine[#mine + 1] = wrk.format("GET", "/healthz") end
  else
    local i = 0
    for line in io.lines(args[1]) do
      i = i + 1
      if i <= count and (i - id) % nthreads == 0 then
        mine[#mine + 1] = wrk.format("POST", "/api/v1/acks", { ["Content-Type"] = "application/json" }, line)
      end
    end
  end
end

function request()
  if verifying then
    verifying = false
    return mine[1]
  end
  if started == 0 then started = now() end
  if sent < #mine then
    sent = sent + 1
    return mine[sent]
  end
  repeats = repeats + 1
  return mine[#mine]
end

function response(status, headers, body)
  if status < 200 or status >= 300 then
    failed = failed + 1
    answered = answered + 1
  elseif floor then
    answered = answered + 1
  else
    local notice = string.match(body or "", '"notice_id":"([^"]+)"')
    if notice and not seen[notice] then
      seen[notice] = true
      answered = answered + 1
    end
  end
  if answered >= #mine and finished == 0 then
    finished = now()
    io.write(string.format("thread %d done\n", id))
    io.flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local first, last, answers, failures, repeated = math.huge, 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    first = math.min(first, thread:get("started"))
    last = math.max(last, thread:get("finished"))
    answers = answers + thread:get("answered")
    failures = failures + thread:get("failed")
    repeated = repeated + thread:get("repeats")
  end
  io.write(string.format(
    '{"started": %.6f, "finished": %.6f, "answered": %d, "failed": %d, "repeats": %d, "requests": %d}\n',
    first, last, answers, failures, repeated, summary.requests))
end
