"""The town's own data: villages, offices, working calendar and deadline policy, and the town as the rules see it."""
