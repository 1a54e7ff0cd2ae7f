"""Recorded Postmark tracking webhook payloads (https://postmarkapp.com/developer/webhooks)."""

HARD_BOUNCE = {
    "RecordType": "Bounce",
    "ID": 4323372036854775807,
    "Type": "HardBounce",
    "TypeCode": 1,
    "Name": "Hard bounce",
    "Tag": "",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "ServerID": 23,
    "Description": "The server was unable to deliver your message (ex: unknown user).",
    "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    "Email": "gone@example.org",
    "From": "status@status.example.com",
    "BouncedAt": "2026-11-23T16:33:54.9070259Z",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": True,
    "Subject": "[Example Status] Partial outage: Elevated API errors",
    "MessageStream": "outbound",
}
SOFT_BOUNCE = HARD_BOUNCE | {"Type": "SoftBounce", "TypeCode": 4096, "Email": "full@example.org"}
COMPLAINT = {
    "RecordType": "SpamComplaint",
    "ID": 42,
    "Type": "SpamComplaint",
    "TypeCode": 512,
    "MessageID": "00000000-0000-0000-0000-000000000000",
    "Email": "angry@example.org",
    "From": "status@status.example.com",
    "BouncedAt": "2026-11-23T16:40:00Z",
    "MessageStream": "outbound",
}
