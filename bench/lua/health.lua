-- GET /health: the cost of HTTP alone
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local req
function init(args) req = wrk.format("GET", "/health") end
function request() return req end
