-- wrk script: PATCH /Users/{id} replacing displayName (steady-state updates).
local ids = {}
local counter = 0
local token = os.getenv("BENCH_TOKEN")
local path = os.getenv("BENCH_BASE_PATH") .. "/Users/"

-- Every thread's Lua state starts math.random from the same seed: unseeded, both threads would
-- pick the same users in lockstep (and PATCH the same user at the same moment).
function setup(thread)
  thread:set("seed", math.random(1, 2147483647))
end

function init(args)
  math.randomseed(seed)
  for line in io.lines(os.getenv("BENCH_IDS_FILE")) do ids[#ids + 1] = line end
end

function request()
  counter = counter + 1
  local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"Renamed ' ..
    counter .. '"}]}'
  return wrk.format("PATCH", path .. ids[math.random(1, #ids)],
    { ["Content-Type"] = "application/scim+json", ["Authorization"] = "Bearer " .. token }, body)
end

function response(status)
  if status ~= 200 then error("unexpected status " .. status) end
end
