-- A job's end is announced in its chat once: the handler of its timer
-- marks it, in the same transaction as the reply, so a timer fired again
-- after a crash finds it announced and says nothing.
ALTER TABLE jobs ADD COLUMN announced_at timestamptz;
