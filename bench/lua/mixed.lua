-- 90% GET /kv/{key}, 10% PUT /kv/{key}, random keys of k00000..k09999
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local gets, puts, n
function init(args) seed(); gets = get_requests(); puts = put_requests(); n = #gets end
function request()
  if math.random() < 0.9 then return gets[math.random(n)] end
  return puts[math.random(n)]
end
