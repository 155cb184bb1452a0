-- The seed's own SQL (../shared/seed/database-patterns.md), with the tags
-- table it refers to created first, run as one migration under enforce.
-- It passes every rule but one: redundant_index, here warning-only, points
-- at the seed's own idx_post_tags_post_id, which the primary key
-- (post_id, tag_id) already covers.
SET pg_conventions.mode = enforce;
SET pg_conventions.warning_rules = redundant_index;
BEGIN;
CREATE TABLE users (
  -- Primary key: UUID
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),

  -- Required fields with constraints
  email VARCHAR(255) NOT NULL UNIQUE,
  password_hash VARCHAR(255) NOT NULL,

  -- Optional fields with defaults
  role VARCHAR(20) DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  status VARCHAR(20) DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'banned')),

  -- Nullable fields
  bio TEXT,
  avatar_url VARCHAR(500),

  -- Timestamps (ALWAYS include)
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  deleted_at TIMESTAMP WITH TIME ZONE  -- Soft delete
);

CREATE TABLE posts (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title VARCHAR(255) NOT NULL,
  content TEXT,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

-- ALWAYS index foreign keys
CREATE INDEX idx_posts_user_id ON posts(user_id);

CREATE TABLE tags (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  name VARCHAR(100) NOT NULL UNIQUE,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);

CREATE TABLE post_tags (
  post_id UUID NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  tag_id UUID NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  PRIMARY KEY (post_id, tag_id)
);

-- Index both columns for queries from either side
CREATE INDEX idx_post_tags_post_id ON post_tags(post_id);
CREATE INDEX idx_post_tags_tag_id ON post_tags(tag_id);
COMMIT;

SELECT rule, object, fix_sql FROM conventions.violations();

-- the seed's tables, one convention short each, each caught
BEGIN;
CREATE TABLE comments (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  post_id UUID NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  body TEXT,
  created_at TIMESTAMP WITH TIME ZONE DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE DEFAULT NOW()
);
COMMIT;
-- dropping the index the seed says to ALWAYS have
DROP INDEX idx_post_tags_tag_id;

SET pg_conventions.mode = off;
DROP TABLE post_tags, tags, posts, users;
RESET pg_conventions.mode;
RESET pg_conventions.warning_rules;
