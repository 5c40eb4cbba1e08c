-- wrk script: Entra's initial cycle — for each user, the existence check
-- GET /Users?filter=userName eq "<new user>" (no match), then POST /Users creating it.
local counter = 0
-- Each thread stops once it has created its share of the users (BENCH_CYCLE_USERS / threads).
local share = tonumber(os.getenv("BENCH_CYCLE_SHARE") or "0")
local created = 0
local looked_up = false
local token = os.getenv("BENCH_TOKEN")
local base = os.getenv("BENCH_BASE_PATH") .. "/Users"

function setup(thread)
  -- BENCH_PREFIX tells apart wrk processes run side by side (their random sequences are alike).
  thread:set("prefix", (os.getenv("BENCH_PREFIX") or "") .. tostring(math.random(1, 1000000000)))
end

local function name()
  return "c" .. prefix .. "-" .. counter .. "@bench.test"
end

function request()
  if not looked_up then
    counter = counter + 1
    looked_up = true
    local filter = "?filter=userName%20eq%20%22" .. name():gsub("@", "%%40") .. "%22"
    return wrk.format("GET", base .. filter, { ["Authorization"] = "Bearer " .. token })
  end
  looked_up = false
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"' .. name() ..
    '","externalId":"c' .. prefix .. '-' .. counter .. '","active":true,"displayName":"Cycle User ' .. counter .. '"}'
  return wrk.format("POST", base, { ["Content-Type"] = "application/scim+json", ["Authorization"] = "Bearer " .. token }, body)
end

function response(status, headers, body)
  if status ~= 200 and status ~= 201 then error("unexpected status " .. status) end
  if status == 201 then
    created = created + 1
    if share > 0 and created >= share then wrk.thread:stop() end
  end
end
