"""A password hasher that counts the passwords it checks, and takes its time doing so."""

import threading
import time

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingHasher(MD5PasswordHasher):
    algorithm = "counting_md5"
    checks = 0
    seconds = 0.0
    _lock = threading.Lock()

    def verify(self, password: str, encoded: str) -> bool:
        with self._lock:
            type(self).checks += 1
        # A slow check widens the window in which concurrent attempts could slip past a limit.
        time.sleep(self.seconds)
        return super().verify(password, encoded)
