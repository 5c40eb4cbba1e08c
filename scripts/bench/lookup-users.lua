-- wrk script: GET /Users?filter=userName eq "<existing user>" (Entra's existence check).
local names = {}
local token = os.getenv("BENCH_TOKEN")
local path = os.getenv("BENCH_BASE_PATH") .. "/Users?filter=userName%20eq%20%22"

-- Every thread's Lua state starts math.random from the same seed: unseeded, both threads would
-- pick the same users in lockstep (and PATCH the same user at the same moment).
function setup(thread)
  thread:set("seed", math.random(1, 2147483647))
end

function init(args)
  math.randomseed(seed)
  for line in io.lines(os.getenv("BENCH_NAMES_FILE")) do names[#names + 1] = line end
end

function request()
  local name = names[math.random(1, #names)]
  return wrk.format("GET", path .. name:gsub("@", "%%40") .. "%22", { ["Authorization"] = "Bearer " .. token })
end

function response(status, headers, body)
  if status ~= 200 or not body:find('"totalResults":1') then error("lookup failed: " .. status) end
end
