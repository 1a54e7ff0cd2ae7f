"""What the tests share, imported as a library; the conftests only turn it into fixtures.

- personas: the named pages, people and components (Example Status, Alice, API...)
- events: the outbox events a call writes (`captured_events`)
- markup: a page's sections and visible text; documents: the public API's paths
- scenes: incidents and maintenance many tests set up alike; forms: admin forms as posted
- api_client: a plain HTTP client for the live server (the operator API, the hooks)
- mail: a real SMTP server; receivers: LocalHTTPServer, the base of every local HTTP server
  (chat_providers, chat_servers_teams, twilio), and webhook receivers well or badly behaved
- delivery: the notification pipeline driven to the end without a worker
- postmark: recorded provider tracking payloads
- processes: Beacon's real processes (worker, `manage.py start`), and waiting on them
- stack: throwaway PostgreSQL and Redis servers, and Beacon's web server on top of them
- hashers: a password hasher that counts and slows its checks
"""
