"""Questions asked during a session: asked by registrants, upvoted, moderated, shown on the presenter's screen."""
