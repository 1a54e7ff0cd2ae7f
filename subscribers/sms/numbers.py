"""Phone numbers as people type them, to E.164, through libphonenumber (`phonenumbers`).

A number is taken when libphonenumber knows it as valid and it can receive a text: mobile, or
"fixed line or mobile" where the numbering plan does not tell them apart (North America).
Premium-rate and shared-cost numbers are refused outright (texting them costs the sender), and
so are landlines, toll-free, pagers and the like.

libphonenumber is imported by the functions that need it, not with this module: it is some
8 MB of memory that the processes which never parse a number (the public web) need not hold.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

# libphonenumber's PhoneNumberType names.
TEXTABLE = {"MOBILE", "FIXED_LINE_OR_MOBILE"}
REFUSED = {
    "PREMIUM_RATE": "is a premium-rate number",
    "SHARED_COST": "is a shared-cost number",
    "FIXED_LINE": "is a landline, which cannot receive texts",
    "TOLL_FREE": "is a toll-free number",
    "PAGER": "is a pager number",
    "VOICEMAIL": "is a voicemail number",
    "UAN": "is a company switchboard number",
}


@dataclass(frozen=True)
class PhoneNumber:
    e164: str
    # ISO 3166 alpha-2 region of the number ("US", "GB").
    country: str
    # "+1 415-555-0100": for people, in the admin and the API's display_phone_number.
    display: str


def clean_phone(number: str, country: str = "", *, field: str = "phone_number") -> PhoneNumber:
    """The number in E.164 with its country; a ValidationError on `field` that says what is
    wrong otherwise. A national number ("(415) 555-0100") needs `country`."""
    import phonenumbers
    from phonenumbers import PhoneNumberFormat, PhoneNumberType

    text = (number or "").strip()
    region = (country or "").strip().upper()
    if not text:
        raise ValidationError({field: "Enter a mobile phone number."})
    if len(text) > 40:
        raise ValidationError({field: "A phone number has at most 15 digits."})
    if region and (len(region) != 2 or not region.isalpha()):
        raise ValidationError({"phone_country": "Give the country as two letters, e.g. US or GB."})
    if region and region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError({"phone_country": f"{region} is not a country code we know."})
    try:
        parsed = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            message = (
                "Start the number with + and its country code (+1 415 555 0100), "
                "or give its country."
            )
        else:
            message = "This is not a phone number."
        raise ValidationError({field: message}) from None
    e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError({field: f"{e164} is not a valid phone number."})
    kind_code = phonenumbers.number_type(parsed)
    kind = next(
        (name for name in [*REFUSED, *TEXTABLE] if getattr(PhoneNumberType, name) == kind_code),
        "",
    )
    if kind in REFUSED:
        raise ValidationError({field: f"{e164} {REFUSED[kind]}; give a mobile number."})
    if kind not in TEXTABLE:
        raise ValidationError({field: f"{e164} cannot receive texts; give a mobile number."})
    return PhoneNumber(
        e164=e164,
        country=phonenumbers.region_code_for_number(parsed) or region,
        display=phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL),
    )


def display(e164: str) -> str:
    """A stored number for people; the stored form if it no longer parses."""
    import phonenumbers
    from phonenumbers import PhoneNumberFormat

    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, None), PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164
