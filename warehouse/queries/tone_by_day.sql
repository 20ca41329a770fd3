-- Average tone per day and source (GDELT-style: tone = positive - negative, in % of words).
-- param since (default 1970-01-01): only days on or after this date (YYYY-MM-DD)
WITH dated AS (
    SELECT a.article_id, a.source,
           coalesce(a.published_at, s.published_at, d.fetched_at)::DATE AS day
    FROM articles a
    LEFT JOIN story_members m ON m.article_id = a.article_id
    LEFT JOIN stories s ON s.story_id = m.story_id
    LEFT JOIN documents d ON d.document_id = a.document_id
)
SELECT t.day, t.source, count(*) AS articles,
       round(avg(n.tone), 3) AS tone, round(avg(n.positive), 3) AS positive, round(avg(n.negative), 3) AS negative
FROM tone n JOIN dated t ON t.article_id = n.article_id
WHERE t.day >= CAST($since AS DATE)
GROUP BY t.day, t.source
ORDER BY t.day, t.source
