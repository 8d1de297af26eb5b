"""The flows both chat platforms share, typed against Protocols (``context``), never against an
adapter: pacing, the note ledger, the scheduler, the thread-answer flow."""
