"""Answer: a question in, a cited answer out. Signposts, follow-ups, cards and extracts.

Nothing is generated: an answer is a checked key-question card or sentences quoted from cited
passages. May import ``journey``, ``search`` and ``evidence``; never Flask.
"""
