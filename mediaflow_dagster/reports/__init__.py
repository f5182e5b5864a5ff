"""Campaign reports: what a report says (`content.py`, read from the marts) and how it is drawn
(`rendering.py`: HTML with its charts inline, and the same page as a PDF)."""
