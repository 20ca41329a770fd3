-- Share of each source's articles that are copies of a story another article already tells.
-- duplicates = members matched as exact, url or near copies (not the story's canonical article).
-- param since (default 1970-01-01): only articles dated on or after this date (YYYY-MM-DD)
WITH dated AS (
    SELECT a.article_id, a.source, m.story_id, m.method,
           coalesce(a.published_at, s.published_at, d.fetched_at)::DATE AS day
    FROM articles a
    LEFT JOIN story_members m ON m.article_id = a.article_id
    LEFT JOIN stories s ON s.story_id = m.story_id
    LEFT JOIN documents d ON d.document_id = a.document_id
)
SELECT source,
       count(*) AS articles,
       count(*) FILTER (WHERE method <> 'canonical') AS duplicates,
       round(count(*) FILTER (WHERE method <> 'canonical') / count(*), 4) AS duplicate_rate,
       count(DISTINCT story_id) AS stories
FROM dated
WHERE day >= CAST($since AS DATE)
GROUP BY source
ORDER BY duplicate_rate DESC, articles DESC, source
