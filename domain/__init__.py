"""Pure domain logic of Pantau: parsing, progress maths, deadlines and rendering.

Nothing in this package imports Telegram or the database, so it is tested in microseconds.
"""
