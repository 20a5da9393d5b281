"""Real races for tests that need them (PostgreSQL row locks): threads released at once."""

import threading

from django.db import connection


def race(n, work) -> list[tuple[str, object]]:
    """Run ``work(i)`` in ``n`` threads released at once; ("ok", result) or ("error", exception) each."""
    barrier = threading.Barrier(n)
    results = []

    def run(i):
        try:
            barrier.wait()
            results.append(("ok", work(i)))
        except Exception as error:  # collected: the test says which kinds are allowed
            results.append(("error", error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
