"""Contacts: one-to-one asks that are fair to the person, on top of the audience rule.

``relationship`` is the pure guard over one person's history and ``invitations`` tells a personal
connection note from stock text; the ``_db`` modules read and write contacts, touches and
one-to-one asks, and ``people_db`` holds the lock and reads the guard needs.
"""
