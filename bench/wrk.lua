-- wrk script of bench/run.py: prints one JSON line of results, and in the
-- POST modes sends registrations whose e-mails are all distinct.
--
--   wrk ... -s bench/wrk.lua URL -- get
--   wrk ... -s bench/wrk.lua URL -- api  PREFIX
--   wrk ... -s bench/wrk.lua URL -- form PREFIX CSRF_TOKEN COOKIE SESSION_IDS(comma-separated)
--   wrk ... -s bench/wrk.lua BASE -- paths PREFIX FILE             (GET each path of FILE in turn)
--   wrk ... -s bench/wrk.lua URL -- checkin PREFIX FILE SESSION_ID TOKEN   (POST /api/v1/checkins, one code of FILE each)
--
-- PREFIX makes the e-mails of one run unique; each wrk thread numbers its own
-- requests and adds its thread number, so no two requests share an e-mail.

local threads = {}
local next_id = 0

function setup(thread)
   next_id = next_id + 1
   thread:set("tid", next_id)
   table.insert(threads, thread)
end

local counter = 0
local mode, prefix, csrf, cookie, session_fields
local lines, session_id, bearer = {}, nil, nil

local function email()
   counter = counter + 1
   return string.format("%s-t%d-%d@bench.example.org", prefix, tid, counter)
end

local function api_request()
   local body = string.format(
      '{"first_name":"ผู้ทดสอบ","last_name":"ภาระ","email":"%s","organization":"สำนักงานทดสอบ",'
      .. '"sector":"public","attendance":"onsite","consent_processing":true,"consent_listing":false}',
      email())
   return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

local function form_request()
   local body = string.format(
      "csrf_token=%s&submission_key=%s-t%d-k%d&first_name=bench&last_name=load&email=%s"
      .. "&organization=bench&sector=public&attendance=onsite%s&consent_processing=y",
      csrf, prefix, tid, counter + 1, email(), session_fields)
   return wrk.format("POST", nil, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = cookie,
   }, body)
end

-- The next line of the file, each thread starting at its own place.
local function next_line()
   counter = counter + 1
   return lines[((counter + tid * 7919) % #lines) + 1]
end

local function path_request()
   return wrk.format("GET", next_line())
end

local function checkin_request()
   local body = string.format('{"code":"%s","session_id":%s,"nonce":"%s-t%d-%d"}',
      next_line(), session_id, prefix, tid, counter)
   return wrk.format("POST", nil, {["Content-Type"] = "application/json",
                                   ["Authorization"] = "Bearer " .. bearer}, body)
end

function init(args)
   mode = args[1] or "get"
   prefix = args[2] or "bench"
   if mode == "paths" or mode == "checkin" then
      for line in io.lines(args[3]) do table.insert(lines, line) end
   end
   if mode == "paths" then
      request = path_request
   elseif mode == "checkin" then
      session_id, bearer = args[4], args[5]
      request = checkin_request
   end
   if mode == "api" then
      request = api_request
   elseif mode == "form" then
      csrf, cookie = args[3], args[4]
      session_fields = ""
      for id in string.gmatch(args[5] or "", "%d+") do
         session_fields = session_fields .. "&sessions=" .. id
      end
      request = form_request
   end
end

-- Counts by status, to tell the 201s of new registrations from anything else.
statuses = {}

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local by_status = {}
   for _, thread in ipairs(threads) do
      local counts = thread:get("statuses")
      for status, n in pairs(counts) do
         by_status[status] = (by_status[status] or 0) + n
      end
   end
   local parts = {}
   for status, n in pairs(by_status) do
      table.insert(parts, string.format('"%d":%d', status, n))
   end
   local errors = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"statuses":{%s}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, errors.connect, errors.read, errors.write, errors.status,
      errors.timeout, table.concat(parts, ",")))
end
