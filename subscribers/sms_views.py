"""SMS sign-up, the code page, and Twilio's inbound webhook (STOP, START, HELP).

Like the other sign-up pages these take no CSRF token and set no cookie: the sign-up only texts
a code to the number given (limited per number and per client address), and the code page only
accepts the code that number received.

The inbound webhook is the number's, not a page's: Twilio posts each text the number receives,
signed with the account's auth token. STOP unsubscribes the sender's number from every page,
START brings it back, HELP is answered; everything else is ignored. A bad signature gets 403.
"""

import logging
import re
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from pages.models import Page

from .models import Channel, Subscriber
from .sms import configured, inbound
from .sms import services as sms_services
from .sms.forms import CodeForm, SmsForm
from .sms.numbers import clean_phone
from .sms.text import fit
from .sms.transport import callback_url
from .views import IP_WINDOW, _add_errors, _page, for_viewers, over_ip_limit, public_form

logger = logging.getLogger(__name__)

SUBSCRIBE = "subscribers/subscribe_sms.html"
VERIFY = "subscribers/sms_verify.html"


# What the code page tells people about a code.
CODE_LIMITS = {
    "minutes": int(sms_services.CODE_TTL.total_seconds() // 60),
    "tries": sms_services.CODE_MAX_ATTEMPTS,
}


def _not_offered(request: HttpRequest, page: Page) -> HttpResponse:
    if not page.allow_page_subscribers:
        message = f"{page.name} does not offer subscriptions."
    else:
        message = f"{page.name} does not offer text message (SMS) subscriptions."
    context = {"page": page, "message": message, "channel": "sms"}
    return render(request, "subscribers/not_offered.html", context, status=404)


def _too_many(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    context["error"] = "Too many requests from your address. Try again in an hour."
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(IP_WINDOW)
    return response


def _verify_page(
    request: HttpRequest, page: Page, form: CodeForm, *, status: int = 200, **extra: object
) -> HttpResponse:
    context = {"page": page, "form": form, **CODE_LIMITS, **extra}
    return render(request, VERIFY, context, status=status)


@public_form
@for_viewers
def subscribe_sms(request: HttpRequest) -> HttpResponse:
    page = _page(request)
    if not (page.offers_signup("sms") and configured()):
        return _not_offered(request, page)
    if request.method != "POST":
        return render(request, SUBSCRIBE, {"page": page, "form": SmsForm(page=page)})
    form = SmsForm(request.POST, page=page)
    if over_ip_limit(request):
        return _too_many(request, SUBSCRIBE, {"page": page, "form": form})
    if not form.is_valid():
        return render(request, SUBSCRIBE, {"page": page, "form": form}, status=400)
    data = form.cleaned_data
    code_form = CodeForm(
        initial={"phone_number": data["phone_number"], "phone_country": data["phone_country"]}
    )
    if data["website"]:
        # A bot filled the honeypot: answer as if it worked, do nothing.
        return _verify_page(request, page, code_form, sent=True)
    try:
        sms_services.subscribe_sms(
            page=page,
            phone_number=data["phone_number"],
            phone_country=data["phone_country"],
            components=data["components"],
            actor="subscriber",
        )
    except ValidationError as exc:
        _add_errors(form, exc)
        return render(request, SUBSCRIBE, {"page": page, "form": form}, status=400)
    # The same answer whether the number was new, pending or already subscribed.
    return _verify_page(request, page, code_form, sent=True)


@public_form
@for_viewers
def verify_sms(request: HttpRequest) -> HttpResponse:
    """Enter the code (also for numbers an operator added, so not tied to the sign-up switch);
    or ask for a new one with the "resend" button."""
    page = _page(request)
    if not configured():
        return _not_offered(request, page)
    if request.method != "POST":
        return _verify_page(request, page, CodeForm())
    form = CodeForm(request.POST)
    if over_ip_limit(request):
        return _too_many(request, VERIFY, {"page": page, "form": form, **CODE_LIMITS})
    if not form.is_valid():
        return _verify_page(request, page, form, status=400)
    data = form.cleaned_data
    try:
        if "resend" in request.POST:
            sms_services.resend_code(
                page=page, phone_number=data["phone_number"], phone_country=data["phone_country"]
            )
            # Whether or not a code went out (too soon, too many, not pending): one answer.
            return _verify_page(request, page, CodeForm(initial=data), resent=True)
        if not data["code"]:
            form.add_error("code", "Enter the six-digit code from the text.")
            return _verify_page(request, page, form, status=400)
        outcome = sms_services.verify_code(
            page=page,
            phone_number=data["phone_number"],
            phone_country=data["phone_country"],
            code=data["code"],
        )
    except ValidationError as exc:
        _add_errors(form, exc)
        return _verify_page(request, page, form, status=400)
    if outcome != sms_services.Verification.CONFIRMED:
        form.add_error("code", sms_services.VERIFICATION_MESSAGES[outcome])
        return _verify_page(request, page, form, status=400)
    number = clean_phone(data["phone_number"], data["phone_country"])
    return render(request, "subscribers/sms_confirmed.html", {"page": page, "number": number})


E164 = re.compile(r"\+[1-9][0-9]{1,14}")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def twiml(message: str = "") -> HttpResponse:
    body = EMPTY_TWIML
    if message:
        body = body.replace("</Response>", f"<Message>{escape(message)}</Message></Response>")
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


def help_text(number: str) -> str:
    names = ", ".join(sms_services.pages_of(number)) or "this number"

    def render_help(value: str) -> str:
        return render_to_string("sms/help.txt", {"page_names": value}).strip()

    return render_help(fit(render_help, names) or "")


def _refused(request: HttpRequest, url: str) -> HttpResponse | None:
    """None for a POST that Twilio signed for `url`; else the answer (404, 400 or 403)."""
    if not configured():
        return HttpResponse("SMS is not configured.", status=404, content_type="text/plain")
    try:
        params = [(name, value) for name, values in request.POST.lists() for value in values]
    except (RequestDataTooBig, BadRequest, ValueError):
        return HttpResponse("Unreadable request.", status=400, content_type="text/plain")
    given = request.headers.get("X-Twilio-Signature", "")
    if not inbound.valid(settings.TWILIO_AUTH_TOKEN, url, params, given):
        logger.warning("Twilio webhook: bad signature for %s", url)
        return HttpResponse("Bad signature.", status=403, content_type="text/plain")
    return None


@csrf_exempt
@never_cache
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    refused = _refused(request, settings.TWILIO_INBOUND_URL or request.build_absolute_uri())
    if refused is not None:
        return refused
    number = request.POST.get("From", "").strip()
    if not E164.fullmatch(number):
        return twiml()  # a short code, an alphanumeric sender or junk: nobody to (un)subscribe
    # With Twilio's Advanced Opt-Out it tells us which keyword it matched.
    word = request.POST.get("OptOutType", "").upper() or sms_services.keyword(
        request.POST.get("Body", "")
    )
    if word == "STOP":
        sms_services.stop_number(number=number)
    elif word == "START":
        sms_services.start_number(number=number)
    elif word == "HELP":
        return twiml(help_text(number))
    return twiml()


@csrf_exempt
@never_cache
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Twilio's report on one text (StatusCallback): an undelivered text to a number the
    carrier does not know or that cannot take texts suppresses that subscriber.

    The signature is checked against the URL Beacon gave Twilio (so a proxy that rewrites the
    request's URL does not matter), or the request's own for a subscriber that is gone."""
    subscriber = (
        Subscriber.objects.filter(pk=request.GET.get("subscriber", ""), channel=Channel.SMS)
        .select_related("page")
        .first()
    )
    url = callback_url(subscriber) if subscriber else request.build_absolute_uri()
    refused = _refused(request, url)
    if refused is not None:
        return refused
    sms_services.carrier_verdict(
        subscriber_id=request.GET.get("subscriber", ""),
        number=request.POST.get("To", ""),
        status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)
