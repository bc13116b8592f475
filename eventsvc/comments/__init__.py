"""Comments on a hearing's draft: the comment period, a document's sections, moderation and the agency's replies."""
