-- PATCH BENCH_PREFIX..id.."/" for the ids of BENCH_IDS (","-separated), each thread its own share of them,
-- changing the remarks (a new value every time, so that every request is a real change).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local ids, headers, prefix = {}, {}, ""
local counter, nthreads = 0, 1
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  ids = common.split(os.getenv("BENCH_IDS"), ",")
  prefix = os.getenv("BENCH_PREFIX")
  headers = common.headers()
  headers["Content-Type"] = "application/json"
  nthreads = tonumber(os.getenv("BENCH_THREADS")) or 1
  counter = 0
end

function request()
  local index = (counter * nthreads + (tonumber(tid) or 0)) % #ids
  counter = counter + 1
  local body = '{"remarks": "基准 ' .. tid .. '-' .. counter .. '", "reason": "基准测试"}'
  return wrk.format("PATCH", prefix .. ids[index + 1] .. "/", headers, body)
end

done = common.done
