-- GET the paths of BENCH_PATHS ("|"-separated) in turn, with the session cookie or token of BENCH_COOKIE/TOKEN.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local paths, headers, n = {}, {}, 0
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = common.split(os.getenv("BENCH_PATHS"), "|")
  headers = common.headers()
  n = #paths
  counter = tonumber(tid) or 0
end

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % n) + 1], headers)
end

done = common.done
