"""Bring your own documents: PDF, DOCX, HTML and Markdown into the evidence corpus.

:func:`assistant.ingest.readers.read_document` turns a file into cleaned blocks of text
(one per page for PDF, one per heading for the others);
:class:`assistant.ingest.collection.Collection` writes them as passages under
``<corpus>/ingested/``. Nothing is imported here, so the command line starts quickly.
"""
