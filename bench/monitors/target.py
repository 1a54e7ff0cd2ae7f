"""The watched service of bench/monitors: an aiohttp server on 127.0.0.1 answering 200 `ok` to
every path, in a process of its own (so its CPU is not counted as Beacon's).

    python bench/monitors/target.py PORT        # prints "ready" once listening
"""

import sys

from aiohttp import web


async def ok(request: web.Request) -> web.Response:
    return web.Response(text="ok\n")


def main() -> None:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", ok)

    async def ready(app: web.Application) -> None:
        print("ready", flush=True)

    app.on_startup.append(ready)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
