"""Audiences, their cadence, their posts and the give-before-ask rule. Never imports flask."""
