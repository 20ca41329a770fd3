-- The member articles of the largest stories (as stories_by_copies ranks them): source, title, date,
-- fetch time, how each matched and its address; the report's story drill-down.
-- param since (default 1970-01-01): only stories published (else first seen) on or after this date (YYYY-MM-DD)
-- param limit (default 20): how many stories
WITH top AS (
    SELECT story_id, coalesce(published_at, first_seen_at)::DATE AS published, article_count, source_count
    FROM stories
    WHERE coalesce(published_at, first_seen_at)::DATE >= CAST($since AS DATE)
    ORDER BY article_count DESC, source_count DESC, published DESC NULLS LAST, story_id
    LIMIT $limit
)
SELECT m.story_id, a.article_id, a.source, a.title, a.published_at::DATE AS published, d.fetched_at,
       m.method, round(m.score, 3) AS score, coalesce(a.canonical_url, a.uri) AS url
FROM top t
JOIN story_members m ON m.story_id = t.story_id
JOIN articles a ON a.article_id = m.article_id
LEFT JOIN documents d ON d.document_id = a.document_id
ORDER BY m.story_id, coalesce(a.published_at, d.fetched_at) NULLS LAST, a.article_id
