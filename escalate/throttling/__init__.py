"""Counting how often something is done, to refuse too much of it (rate limits).

Counters live in the database, so every worker and every app server sharing it counts
together, with no cache server to run. django-axes does the sign-in lockout; this does
the rest (password reset, invitations, raising, sending email)::

    from escalate.throttling import limits

    if limits.exceeded("password-reset", limits.address_key(request), "20/h"):
        ...  # refuse, plainly
"""
