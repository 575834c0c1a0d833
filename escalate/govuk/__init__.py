"""The GOV.UK Design System for Django: the bottom layer, importing only Django and the
standard library (nothing of Escalate's).

* ``templates/components/``: the GOV.UK Frontend components as Django templates, each
  taking the Nunjucks macro's options, e.g.
  ``{% include "components/tag.html" with text="Overdue" classes="govuk-tag--red" only %}``;
* :mod:`escalate.govuk.forms`: the form renderer (``FORM_RENDERER``) that draws every
  Django form field through those components, the form base class, the text field;
* :mod:`escalate.govuk.dates`: the one GOV.UK date field and its parser;
* :mod:`escalate.govuk.text`: which characters typed text may hold;
* ``{% load govuk %}``: the error summary for any form, and one field with options.

Settings it reads: ``GOVUK_TODAY``, the dotted path of a function giving today's date
(for "must be today or in the past"; ``django.utils.timezone.localdate`` if unset).
"""
