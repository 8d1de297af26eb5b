"""Personal follows (issue 16): a person's words or categories, matched against every paper of a
posted day, and the one ping per (channel, day) that names who has matches."""
