"""The database: answers and their feedback, the curators' inbox, accounts and the audit log.

SQLAlchemy Core on PostgreSQL (several workers or hosts) or an embedded SQLite file (one
machine). Domain code never imports Flask; a write that fails never fails an answer.
"""
