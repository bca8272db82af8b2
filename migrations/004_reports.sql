-- Players report questions (the flag button); a question reported by
-- enough distinct players is hidden until a moderator looks at it.
CREATE TABLE question_reports (
    question_id       bigint NOT NULL REFERENCES questions (id),
    user_id           bigint NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (question_id, user_id)
);
