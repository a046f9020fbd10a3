"""Marshmallow schemas: the API's bodies and queries, which the pages load their forms with too."""
