"""卷宗评查 and 以案定补: closed cases scored against a checklist, graded, and paid per case."""
