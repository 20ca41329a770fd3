-- The largest stories: most copies (member articles) first, then most sources.
-- param since (default 1970-01-01): only stories published (else first seen) on or after this date (YYYY-MM-DD)
-- param limit (default 20): how many stories
SELECT story_id, title, coalesce(published_at, first_seen_at)::DATE AS published,
       article_count AS copies, source_count AS sources, canonical_url
FROM stories
WHERE coalesce(published_at, first_seen_at)::DATE >= CAST($since AS DATE)
ORDER BY copies DESC, sources DESC, published DESC NULLS LAST, story_id
LIMIT $limit
