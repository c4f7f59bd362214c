"""Evidence: the content model. Corpus files, sources, passages and their validation.

Reads ``corpus/`` (Markdown passages, ``sources.yaml``, YAML with file and line) into plain
dataclasses. The lowest stage: imports only the standard library, third-party parsers and
``assistant.errors`` / ``assistant.config``.
"""
