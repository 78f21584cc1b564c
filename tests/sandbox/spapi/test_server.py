

def test_date_header_carries_the_sandbox_clock() -> None:
    """Clients learn Amazon's clock from ``Date``; the sandbox's must reflect its own clock."""
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    import httpx

    from sandbox._server import serve_in_thread
    from sandbox.spapi import SandboxState
    from sandbox.spapi.server import create_app

    state = SandboxState()
    state.clock.freeze(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    handle = serve_in_thread(create_app(state))
    try:
        resp = httpx.get(f"{handle.url}/_sandbox/clock")
        assert resp.headers.get_list("date") == [resp.headers["date"]]
        assert parsedate_to_datetime(resp.headers["date"]) == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    finally:
        handle.stop()
