-- wrk script for the benchmark suite (tests/bench/run.sh): each request takes
-- the next path of the file named by CGW_BENCH_PATHS, round robin; headers
-- come from wrk's -H options. Every wrk thread starts at a different offset.
local paths = {}
for line in io.lines(os.getenv("CGW_BENCH_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local counter = 0
local i = 0

function setup(thread)
  thread:set("offset", counter * 7919)
  counter = counter + 1
end

function init(args)
  i = offset or 0
end

function request()
  i = i + 1
  return wrk.format(nil, paths[(i % #paths) + 1])
end
