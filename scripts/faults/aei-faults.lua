-- wrk script for the fault scenarios of scripts/faults.sh: POST /api/aei over many users, counting
-- the answers by class, and 503s that come without Retry-After.
--
--   wrk -t2 -c16 -d12s -s scripts/faults/aei-faults.lua http://127.0.0.1:PORT -- TOKENS_FILE
--
-- TOKENS_FILE has one "USER_UUID TOKEN" per line. Each connection's requests rotate over the users;
-- the summary line printed at the end is read by faults.sh:
--   faults: ok=N e503=N e503_without_retry_after=N other_5xx=N e4xx=N

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

local requests = {}
local counter = 0
ok, e503, e503_without_retry_after, other_5xx, e4xx = 0, 0, 0, 0, 0

function init(args)
    local users = {}
    for line in io.lines(args[1]) do
        local uid, token = line:match("^(%S+)%s+(%S+)")
        if uid then users[#users + 1] = { uid = uid, token = token } end
    end
    for i, user in ipairs(users) do
        local headers = {
            ["Authorization"] = "Bearer " .. user.token,
            ["Content-Type"] = "application/json",
            ["x-session-id"] = "faults-" .. user.uid,
        }
        requests[i] = wrk.format("POST", "/api/aei", headers, '{"text": "Tell me something calm about the sea, turn ' .. i .. '."}')
    end
end

function request()
    counter = counter % #requests + 1
    return requests[counter]
end

function response(status, headers, body)
    if status < 300 then
        ok = ok + 1
    elseif status == 503 then
        e503 = e503 + 1
        if headers["Retry-After"] == nil and headers["retry-after"] == nil then
            e503_without_retry_after = e503_without_retry_after + 1
        end
    elseif status >= 500 then
        other_5xx = other_5xx + 1
    else
        e4xx = e4xx + 1
    end
end

function done(summary, latency, requests)
    local t = { ok = 0, e503 = 0, e503_without_retry_after = 0, other_5xx = 0, e4xx = 0 }
    for _, thread in ipairs(threads) do
        for key, _ in pairs(t) do t[key] = t[key] + (thread:get(key) or 0) end
    end
    io.write(string.format("faults: ok=%d e503=%d e503_without_retry_after=%d other_5xx=%d e4xx=%d socket_errors=%d\n",
        t.ok, t.e503, t.e503_without_retry_after, t.other_5xx, t.e4xx,
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
