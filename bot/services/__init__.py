"""Queries and writes: each takes the session first and never commits.

`search` is imported here so its listeners keep the folded search text in step with every write.
"""

from bot.services import search as search
