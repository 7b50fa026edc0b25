"""A `/composite` call as the client builds it and reads it back: which resource each
subrequest goes to (query, or queryAll for deleted rows), what a refused subrequest means
(Salesforce's errorCode, else the HTTP status), and the rows of a good one, all its batches.
simple-salesforce is replaced by a recorder: no request leaves the process."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from flowstage_tui.errors import ApiLimitExceeded, AuthNeeded, QueryRefused
from flowstage_tui.salesforce.client import (
    Credentials,
    SalesforceClient,
    SubResult,
    subrequest_error,
)


class FakeSf:
    """simple-salesforce's `restful` and `query_more`, answering from a script."""

    def __init__(self, answers: dict[str, Any] | None = None,
                 pages: dict[str, dict[str, Any]] | None = None) -> None:
        self.answers = answers or {}
        self.pages = pages or {}
        self.sent: list[dict[str, Any]] = []
        self.more_asked: list[str] = []

    def restful(self, path: str, method: str = "GET", data: str = "") -> Any:
        assert (path, method) == ("composite", "POST")
        body = json.loads(data)
        self.sent.append(body)
        return {"compositeResponse": [
            {"referenceId": sub["referenceId"], "httpStatusCode": 200,
             "body": self.answers.get(sub["referenceId"], {"done": True, "records": []})}
            for sub in body["compositeRequest"]]}

    def query_more(self, url: str, identifier_is_url: bool = False) -> dict[str, Any]:
        assert identifier_is_url
        self.more_asked.append(url)
        return self.pages[url]


def client_with(fake: FakeSf) -> SalesforceClient:
    client = SalesforceClient(Credentials("t", "https://x.invalid"), "66.0",
                              sleep=lambda _s: None)
    client._sf = fake
    return client


def sent_urls(fake: FakeSf) -> list[tuple[str, str, dict[str, list[str]]]]:
    (body,) = fake.sent
    out = []
    for sub in body["compositeRequest"]:
        assert sub["method"] == "GET"
        parts = urlsplit(sub["url"])
        out.append((sub["referenceId"], parts.path, parse_qs(parts.query)))
    return out


def test_queries_go_to_query_and_deleted_rows_to_query_all() -> None:
    fake = FakeSf()
    client_with(fake).composite([("a", "SELECT Id FROM X WHERE N = 'a b'"), ("b", "limits")])
    assert sent_urls(fake) == [
        ("a", "/services/data/v66.0/query", {"q": ["SELECT Id FROM X WHERE N = 'a b'"]}),
        ("b", "/services/data/v66.0/limits", {})]
    assert fake.sent[0]["allOrNone"] is False
    fake = FakeSf()
    got = client_with(fake).composite([("d", "SELECT Id FROM X WHERE IsDeleted = true")],
                                      include_deleted=True)
    assert sent_urls(fake) == [
        ("d", "/services/data/v66.0/queryAll", {"q": ["SELECT Id FROM X WHERE IsDeleted = true"]})]
    # the SOQL stays with its answer: a refusal can show it, more batches can be fetched
    assert got["d"].soql == "SELECT Id FROM X WHERE IsDeleted = true"


@pytest.mark.parametrize(("body", "code", "detail"), [
    ([{"errorCode": "INVALID_FIELD", "message": "No such column"}], "INVALID_FIELD",
     "No such column"),
    ([{"errorCode": "MALFORMED_QUERY"}], "MALFORMED_QUERY", ""),
    ({"errorCode": "NOT_A_LIST"}, "500", ""),
    ([], "500", ""),
    (["plain text"], "500", ""),
    (None, "500", ""),
])
def test_a_refused_subrequest_names_salesforces_code_or_the_http_status(
        body: Any, code: str, detail: str) -> None:
    exc = subrequest_error(SubResult(500, body, "SELECT Id FROM X"))
    assert isinstance(exc, QueryRefused)
    assert str(exc) == f"The org refused a query ({code})."
    assert (exc.code, exc.detail, exc.soql) == (code, detail, "SELECT Id FROM X")
    with pytest.raises(QueryRefused):
        client_with(FakeSf()).records(SubResult(500, body, "SELECT Id FROM X"))


def test_a_subrequest_refused_for_the_session_or_the_limit() -> None:
    ended = subrequest_error(SubResult(401, [{"errorCode": "INVALID_SESSION_ID"}]))
    assert isinstance(ended, AuthNeeded)
    spent = subrequest_error(SubResult(403, [{"errorCode": "REQUEST_LIMIT_EXCEEDED"}]))
    assert isinstance(spent, ApiLimitExceeded)
    client = client_with(FakeSf())
    with pytest.raises(AuthNeeded):
        client.records(SubResult(401, [{"errorCode": "INVALID_SESSION_ID"}]))
    with pytest.raises(ApiLimitExceeded):
        client.records(SubResult(403, [{"errorCode": "REQUEST_LIMIT_EXCEEDED"}]))


def test_a_good_subrequest_gives_its_rows() -> None:
    client = client_with(FakeSf())
    rows = [{"Id": "a"}, {"Id": "b"}]
    assert client.records(SubResult(200, {"done": True, "records": rows})) == rows
    assert client.records(SubResult(200, {"done": True, "records": None})) == []
    assert client.records(SubResult(200, "not a dict")) == []
    # not done, but no SOQL to page with: what came is what there is
    assert client.records(SubResult(200, {"done": False, "records": rows})) == rows
    assert client.records(SubResult(299, {"done": True, "records": rows})) == rows


def test_a_subrequest_cut_into_batches_gives_every_row() -> None:
    more = "/services/data/v66.0/queryAll/01gx-2"
    fake = FakeSf(pages={more: {"done": True, "records": [{"Id": "c"}]}})
    first = {"done": False, "nextRecordsUrl": more, "records": [{"Id": "a"}, {"Id": "b"}]}
    got = client_with(fake).records(SubResult(200, first, "SELECT Id FROM X"))
    assert got == [{"Id": "a"}, {"Id": "b"}, {"Id": "c"}]
    assert fake.more_asked == [more]
