"""Administering partnerships, their member agencies, roles and non-working days.

What each person may administer is decided by :mod:`escalate.partnerships.administration`
(superusers: everything; a partnership administrator: their own partnerships, the
agencies that belong only to them, and the roles in those). Every page here limits its
lists, its choices and its saving to that scope: a crafted POST naming something out of
scope is refused by the form, and again by :mod:`escalate.partnerships.services`, which
makes and records every change of role.
"""

from escalate.partnerships.admin import places, roles, versions

__all__ = ["places", "roles", "versions"]
