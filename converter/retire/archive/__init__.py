"""Archive the converted legacy sources: move them out of the way with a checksummed manifest.

After conversion the revision chain is the one source of truth; the legacy scripts move into an
archive folder (relative paths kept) so that nobody runs or edits them by mistake. Each revision
written by convert names its sources with their sha256 (`legacy_sources`); a source whose content
changed since then is refused, because the revision no longer describes it. Everything is checked
before anything moves (`plan`); moves use `git mv` for tracked files in a git work tree, so history
follows them; nothing is ever deleted or overwritten, and a failure midway moves everything back
(`execute`).
"""
