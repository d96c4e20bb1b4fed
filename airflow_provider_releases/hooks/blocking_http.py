"""The ``requests`` transport of the release hooks, for operators and poking sensors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_releases.hooks.calls import ApiCall
from airflow_provider_releases.hooks.http_core import Action
from airflow_provider_releases.hooks.transport import Transport, requests_failure
from airflow_provider_releases.utils.pagination import PagedItems, walk

if TYPE_CHECKING:
    import requests

    from airflow_provider_releases.hooks.base import ReleasesBaseHook


class BlockingTransport(Transport):
    """Runs a hook's calls on one ``requests.Session`` (keep-alive), created on first use."""

    def __init__(self, hook: ReleasesBaseHook) -> None:
        super().__init__(hook)
        self.session: requests.Session | None = None

    def get_session(self) -> requests.Session:
        """Return the session, created on first use with the hook's headers."""
        if self.session is None:
            import requests

            session = requests.Session()
            session.headers.update(self.hook.request_headers())
            self.session = session
        return self.session

    def close(self) -> None:
        """Close the session and its pooled connections."""
        if self.session is not None:
            self.session.close()
            self.session = None

    def run(self, call: ApiCall[Any]) -> Any:
        """Send ``call`` and return its answer; a paged list as lazy :class:`PagedItems`."""
        paging = call.paging
        if paging is None:
            return self.reader.answer(call, self.decode(call, self.send(call)))

        def get(query: Any) -> tuple[Any, Any]:
            page = self.page_call(call, query)
            response = self.send(page)
            return self.decode(page, response), response.headers

        items_of = self.items_of(call)
        return PagedItems(
            lambda: walk(paging.walk(call.params or {}, items_of), get), f"{self.hook.service} {call.op}"
        )

    def send(self, call: ApiCall[Any]) -> requests.Response:
        """
        Send ``call``'s request with the retry policy and return its successful response.

        :raises ReleasesApiError: the request failed; the subclass says how.
        :raises DryRunRequest: the hook is in dry-run mode and the call is not a GET; nothing was sent.
        """
        import requests

        session = self.get_session()
        attempts = self.prepare(call)
        request, clock = attempts.request, self.hook.clock
        while True:
            attempts.next_attempt()
            started = clock.monotonic()
            data = request.body() if request.body is not None else None
            try:
                response = session.request(
                    request.method, request.url, params=request.params, json=request.json, data=data,
                    headers=request.headers, timeout=attempts.vendor.timeout,
                )  # fmt: skip
            except requests.exceptions.RequestException as exc:
                decision = self.judge_failure(attempts, exc, requests_failure(exc), started)
            else:
                decision = self.judge_answer(attempts, response, started)
                if decision.action is Action.RETURN:
                    return response
            finally:
                if data is not None and hasattr(data, "close"):
                    data.close()
            self.log_retry(decision, attempts)
            clock.sleep(decision.delay)
