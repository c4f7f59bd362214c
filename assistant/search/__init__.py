"""Search: embeddings, the index (build, load, verify), the BM25 side and hybrid retrieval.

Turns passages into vectors and postings at build time and questions into ranked hits at run
time; the engine holds them once per process. May import ``assistant.evidence``.
"""
