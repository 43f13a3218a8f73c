-- Warm-up: a random mix of every request type benchmarked (JIT-compiles every path)
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local all
function init(args)
  seed()
  all = {}
  for _, t in ipairs({ get_requests(), put_requests(), batch_requests(200, 10), prefix_requests() }) do
    for _, r in ipairs(t) do all[#all + 1] = r end
  end
  for _ = 1, 2000 do all[#all + 1] = wrk.format("GET", "/health") end
end
function request() return all[math.random(#all)] end
