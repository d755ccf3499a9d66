-- wrk script for `POST /api/aei` (used by scripts/bench.sh).
--
--   wrk -t2 -c16 -d20s --latency -s scripts/bench/aei.lua http://127.0.0.1:PORT -- TOKENS_FILE 2
--
-- TOKENS_FILE has one "USER_UUID TOKEN" per line; the last argument repeats wrk's -t. Every request
-- goes to the next user in turn, and each wrk thread walks its own residue class of users (thread k
-- of T takes users k, k+T, k+2T, ...), so the in-flight requests are always for distinct users: the
-- per-user turn lock never serializes them, and every turn recalls over that user's own episodes.
-- Each user's message text rotates too, so consecutive turns of a user differ. All requests are
-- built once in init(), so wrk spends no Lua time per request beyond a table lookup.

local thread_count = 0

-- Runs in the main Lua state once per thread, before the threads start.
function setup(thread)
    thread:set("thread_index", thread_count)
    thread_count = thread_count + 1
end

local texts = {
    "Hello again. I have been thinking about my work and whether I should change jobs this year.",
    "I felt a bit tired today, but the walk in the park in the evening helped me calm down.",
    "Can you remind me what we talked about last time regarding my plans for the weekend?",
    "I'm curious about learning the piano. Do you think it is too late to start at my age?",
    "My friend said something that annoyed me, and I am not sure whether I should tell her.",
    "Today was productive: I finished the report and even had time to read a few chapters.",
    "I keep postponing the dentist appointment. Why do I always avoid things like that?",
    "What would be a good way to keep a journal so that I actually stick with it this time?",
}

local requests = {}
local counter = 0

-- Runs in each thread's own Lua state; args are what follows `--` on the wrk command line.
function init(args)
    local path = args[1]
    if path == nil then
        error("aei.lua: pass the tokens file after --, e.g. wrk -t2 ... -s aei.lua URL -- tokens.txt 2")
    end
    local stride = tonumber(args[2] or "1") or 1
    local index = thread_index or 0

    local users = {}
    for line in io.lines(path) do
        local uid, token = line:match("^(%S+)%s+(%S+)")
        if uid then users[#users + 1] = { uid = uid, token = token } end
    end
    if #users == 0 then error("aei.lua: no tokens in " .. path) end

    local mine = {}
    for i = index + 1, #users, stride do mine[#mine + 1] = users[i] end
    if #mine == 0 then mine = users end
    for round = 0, #texts - 1 do
        for i, user in ipairs(mine) do
            local text = texts[((i + round) % #texts) + 1]
            local headers = {
                ["Authorization"] = "Bearer " .. user.token,
                ["Content-Type"] = "application/json",
                ["x-session-id"] = "bench-" .. user.uid,
            }
            requests[#requests + 1] = wrk.format("POST", "/api/aei", headers, '{"text": "' .. text .. '"}')
        end
    end
end

function request()
    counter = counter + 1
    if counter > #requests then counter = 1 end
    return requests[counter]
end
