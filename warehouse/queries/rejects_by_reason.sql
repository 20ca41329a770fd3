-- Rejected inputs by stage and reason, with the latest time and one example.
-- param since (default 1970-01-01): only rejects recorded on or after this date (YYYY-MM-DD)
SELECT stage, reason, count(*) AS rejects, max("at") AS last_at,
       arg_max(uri, "at") AS example_uri, arg_max(detail, "at") AS example_detail
FROM rejects
WHERE "at"::DATE >= CAST($since AS DATE)
GROUP BY stage, reason
ORDER BY rejects DESC, stage, reason
