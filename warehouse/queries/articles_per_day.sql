-- Articles per day and source, with how many distinct stories they belong to.
-- An article's day is its published date, else its story's, else the day it was fetched.
-- param since (default 1970-01-01): only days on or after this date (YYYY-MM-DD)
WITH dated AS (
    SELECT a.article_id, a.source, m.story_id,
           coalesce(a.published_at, s.published_at, d.fetched_at)::DATE AS day
    FROM articles a
    LEFT JOIN story_members m ON m.article_id = a.article_id
    LEFT JOIN stories s ON s.story_id = m.story_id
    LEFT JOIN documents d ON d.document_id = a.document_id
)
SELECT day, source, count(*) AS articles, count(DISTINCT story_id) AS stories
FROM dated
WHERE day >= CAST($since AS DATE)
GROUP BY day, source
ORDER BY day, source
