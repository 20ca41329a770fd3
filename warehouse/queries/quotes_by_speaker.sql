-- Who is quoted most: distinct quotes and stories per attributed speaker (by canonical name across
-- articles, entity_names: "Trump" counts for "Donald Trump"), with the longest quote.
-- param since (default 1970-01-01): only articles dated on or after this date (YYYY-MM-DD)
-- param limit (default 20): how many speakers
WITH dated AS (
    SELECT a.article_id, m.story_id,
           coalesce(a.published_at, s.published_at, d.fetched_at)::DATE AS day
    FROM articles a
    LEFT JOIN story_members m ON m.article_id = a.article_id
    LEFT JOIN stories s ON s.story_id = m.story_id
    LEFT JOIN documents d ON d.document_id = a.document_id
)
SELECT coalesce(n.canonical_name, q.speaker) AS speaker, count(DISTINCT q.quote) AS quotes, count(DISTINCT t.story_id) AS stories,
       arg_max(q.quote, length(q.quote)) AS example
FROM quotes q JOIN dated t ON t.article_id = q.article_id
LEFT JOIN entity_names n ON n.label = 'PERSON' AND n.name = q.speaker
WHERE q.speaker IS NOT NULL AND t.day >= CAST($since AS DATE)
GROUP BY 1
ORDER BY quotes DESC, stories DESC, speaker
LIMIT $limit
