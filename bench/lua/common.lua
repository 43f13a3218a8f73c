-- Shared helpers for the kvstore wrk scripts (loaded with dofile from each script).
-- Each wrk thread has its own Lua state; setup() runs in the main state and hands
-- every thread a distinct id so that the random streams differ between threads.
-- Requests are pre-formatted in init() so request() costs the client almost nothing
-- (the same for every scenario, which keeps the ratios between scenarios fair).

NKEYS = tonumber(os.getenv("BENCH_KEYS") or "10000")
VALUE = string.rep("v", 100)            -- 100-byte string value
PUT_BODY = '{"value":"' .. VALUE .. '"}'
JSON_HDR = { ["Content-Type"] = "application/json" }

local thread_counter = 0
function setup(thread)
  thread:set("tid", thread_counter)
  thread_counter = thread_counter + 1
end

function seed()
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919 + math.floor(os.clock() * 1e6))
  for _ = 1, 10 do math.random() end
end

function key(i) return string.format("k%05d", i) end

function get_requests()
  local t = {}
  for i = 0, NKEYS - 1 do t[#t + 1] = wrk.format("GET", "/kv/" .. key(i)) end
  return t
end

function put_requests()
  local t = {}
  for i = 0, NKEYS - 1 do t[#t + 1] = wrk.format("PUT", "/kv/" .. key(i), JSON_HDR, PUT_BODY) end
  return t
end

-- n distinct pre-built batch requests of `size` random sets each
function batch_requests(n, size)
  local t = {}
  for _ = 1, n do
    local ops = {}
    for j = 1, size do
      ops[j] = '{"op":"set","key":"' .. key(math.random(0, NKEYS - 1)) .. '","value":"' .. VALUE .. '"}'
    end
    t[#t + 1] = wrk.format("POST", "/kv/batch", JSON_HDR, '{"operations":[' .. table.concat(ops, ",") .. ']}')
  end
  return t
end

-- prefixes k000 .. k099: with keys k00000..k09999 each matches exactly 100 keys
function prefix_requests()
  local t = {}
  for i = 0, 99 do t[#t + 1] = wrk.format("GET", string.format("/kv?prefix=k0%02d", i)) end
  return t
end
