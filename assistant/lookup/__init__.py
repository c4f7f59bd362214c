"""Lookup: staff search with filters and exact phrases, highlights, references, context.

What the search and permalink pages need to find a passage and cite it. May import
``search`` and ``evidence``; never Flask.
"""
