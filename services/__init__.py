"""Use cases: one function per thing a person (or a job) can do with Pantau.

Each takes a database session and plain arguments, applies the rules in the caller's
transaction, and returns a typed outcome built from domain views; refusals are the domain's
``UserError``. Data flows one way: ``bot`` (Telegram, jobs, CLI) → ``services`` →
``storage``/``domain``. Nothing here imports ``bot`` or renders a reply.
"""
