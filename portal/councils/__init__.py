"""Client and patient councils and statutory influence bodies: terms, members, meetings.

A council has terms; each term is an activity of the impact chain. Meetings belong to a
term; marking attendance records participations (the basis of fee claims) and the
recommendations and statements a meeting agrees on are registered as outputs.
"""
