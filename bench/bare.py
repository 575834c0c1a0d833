"""The baseline of ``bench/bench_pages.py``: a page that does nothing but be a page.

Behind every middleware Escalate's pages have (sessions and their limits, CSRF,
security headers, authentication), for a signed-in person, it answers with a few
hundred bytes of HTML and asks the database nothing more than the middleware does. A
page's share of this view's requests per second is what the page itself costs.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

BODY = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bare</title></head>'
    "<body><main><h1>Bare</h1><p>Signed in as {who}.</p></main></body></html>"
)


@require_safe
@login_required
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BODY.format(who=request.user.pk), content_type="text/html; charset=utf-8")
